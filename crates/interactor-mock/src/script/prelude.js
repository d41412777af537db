// Hardens a fresh QuickJS context before any user code runs. Returns the function that runs
// one compiled script, and the originals it replaced (for the lockdown to freeze). Evaluated
// once per context; the context then serves many jobs. Every built-in it relies on is
// captured here, so later changes made by a script cannot reach the guards (and the lockdown
// makes such changes impossible anyway).
(function (sink, maxLength, maxPattern) {
  'use strict';
  const global = globalThis;
  const { apply, construct } = Reflect;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, freeze } = Object;
  const isArray = Array.isArray;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const RealDate = Date;
  const realNow = Date.now;
  const realString = String;
  const ErrorProto = Error.prototype;
  const InternalErrorProto = InternalError.prototype;
  const isProtoOf = Object.prototype.isPrototypeOf;
  const keys = Object.keys;
  const hasOwn = Object.hasOwn;
  const isError = (e) => e !== null && typeof e === 'object' && apply(isProtoOf, ErrorProto, [e]);
  const isOom = (e) =>
    e !== null &&
    typeof e === 'object' &&
    apply(isProtoOf, InternalErrorProto, [e]) &&
    e.message === 'out of memory';
  const taLength = getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype), 'length').get;
  const fnToString = Function.prototype.toString;
  const hidden = [];

  // Code evaluation: no eval, and every function kind's constructor throws.
  delete global.eval;
  const kinds = [
    ['Function', function () {}],
    ['AsyncFunction', async function () {}],
    ['GeneratorFunction', function* () {}],
    ['AsyncGeneratorFunction', async function* () {}],
  ];
  for (const [name, sample] of kinds) {
    const proto = getPrototypeOf(sample);
    hidden.push(proto.constructor);
    const ctor = function () {
      throw new TypeError(name + ' constructor is disabled in scripts');
    };
    defineProperty(ctor, 'name', { value: name });
    defineProperty(ctor, 'prototype', { value: proto, writable: false });
    defineProperty(proto, 'constructor', { value: ctor, writable: false, configurable: false });
    if (name === 'Function') {
      defineProperty(global, 'Function', { value: ctor, writable: true, configurable: true });
    }
  }

  // Generic array methods: QuickJS runs some of them as native loops that never reach the
  // interrupt handler, so an absurd length must be refused before the loop starts.
  const lengthOf = (o) => {
    if (o === null || o === undefined) return 0;
    if (isArray(o) || typeof o === 'string') return o.length;
    if (typeof o !== 'object' && typeof o !== 'function') return 0;
    try {
      return apply(taLength, o, []);
    } catch {
      // not a typed array
    }
    for (let p = o; p !== null; p = getPrototypeOf(p)) {
      const d = getOwnPropertyDescriptor(p, 'length');
      if (d === undefined) continue;
      const v = d.value;
      if (!hasOwn(d, 'value') || (typeof v === 'object' && v !== null) || typeof v === 'function') {
        throw new TypeError('array methods in scripts need a plain data `length` property');
      }
      return +v;
    }
    return 0;
  };
  const check = (o) => {
    const len = lengthOf(o);
    if (len > maxLength) {
      throw new RangeError('length ' + len + ' exceeds the script limit of ' + maxLength);
    }
  };
  const checkNested = (o, depth) => {
    const len = o.length;
    for (let i = 0; i < len; i++) {
      const e = o[i];
      if (isArray(e)) {
        check(e);
        if (depth > 1) checkNested(e, depth - 1);
      }
    }
  };
  const AP = Array.prototype;
  const originals = {};
  const skip = ['constructor', 'keys', 'values', 'entries', 'at', 'push', 'pop'];
  for (const name of Object.getOwnPropertyNames(AP)) {
    const orig = AP[name];
    if (typeof orig !== 'function' || skip.includes(name)) continue;
    originals[name] = orig;
    const wrapped = {
      [name](...args) {
        check(this);
        return apply(orig, this, args);
      },
    }[name];
    defineProperty(wrapped, 'length', { value: orig.length });
    defineProperty(AP, name, { value: wrapped, writable: true, configurable: true });
  }
  hidden.push(originals);
  const { concat, flat, map } = originals;
  AP.concat = {
    concat(...items) {
      check(this);
      for (const item of items) check(item);
      return apply(concat, this, items);
    },
  }.concat;
  const guardedFlat = {
    flat(depth) {
      check(this);
      const d = depth === undefined ? 1 : +depth;
      if (d >= 1) checkNested(this, d);
      return apply(flat, this, [depth]);
    },
  }.flat;
  AP.flat = guardedFlat;
  AP.flatMap = {
    flatMap(fn, thisArg) {
      check(this);
      return apply(guardedFlat, apply(map, this, [fn, thisArg]), [1]);
    },
  }.flatMap;

  // Regular expressions: QuickJS compiles a pattern in time that grows with the square of
  // its alternatives and never polls the deadline meanwhile, so patterns built at run time
  // are capped. Literals are bounded by the code size.
  const RealRegExp = RegExp;
  hidden.push(RealRegExp);
  const RP = RealRegExp.prototype;
  const sourceOf = getOwnPropertyDescriptor(RP, 'source').get;
  const flagsOf = getOwnPropertyDescriptor(RP, 'flags').get;
  const regexSource = (p) => {
    if (p !== null && typeof p === 'object') {
      try {
        return [apply(sourceOf, p, []), apply(flagsOf, p, [])];
      } catch {
        // not a RegExp
      }
    }
    const text = p === undefined ? '' : realString(p);
    if (text.length > maxPattern) {
      throw new RangeError('pattern of ' + text.length + ' characters exceeds the script limit');
    }
    return [text, undefined];
  };
  const MockRegExp = function RegExp(pattern, flags) {
    const [source, own] = regexSource(pattern);
    const target = new.target === undefined ? MockRegExp : new.target;
    return construct(RealRegExp, [source, flags === undefined ? own : flags], target);
  };
  defineProperty(MockRegExp, 'length', { value: 2 });
  defineProperty(MockRegExp, 'prototype', { value: RP, writable: false });
  const species = { get [Symbol.species]() { return this; } };
  defineProperty(MockRegExp, Symbol.species, getOwnPropertyDescriptor(species, Symbol.species));
  RP.constructor = MockRegExp;
  global.RegExp = MockRegExp;
  if (typeof RP.compile === 'function') {
    const compile = RP.compile;
    hidden.push(compile);
    RP.compile = {
      compile(pattern, flags) {
        const [source, own] = regexSource(pattern);
        return apply(compile, this, [source, flags === undefined ? own : flags]);
      },
    }.compile;
  }
  const SP = String.prototype;
  const viaRegExp = (name, symbol, global) => {
    hidden.push(SP[name]);
    SP[name] = {
      [name](regexp) {
        if (this === null || this === undefined) {
          throw new TypeError('String.prototype.' + name + ' called on null or undefined');
        }
        if (regexp !== null && regexp !== undefined) {
          const method = regexp[symbol];
          if (method !== undefined && method !== null) {
            if (global && regexp[Symbol.match] && !realString(regexp.flags).includes('g')) {
              throw new TypeError('matchAll needs a global RegExp');
            }
            return apply(method, regexp, [this]);
          }
        }
        const rx = new MockRegExp(regexp, global ? 'g' : undefined);
        return rx[symbol](realString(this));
      },
    }[name];
  };
  viaRegExp('match', Symbol.match, false);
  viaRegExp('matchAll', Symbol.matchAll, true);
  viaRegExp('search', Symbol.search, false);

  // Date follows the mock's clock; elapsed time inside the script still advances.
  let offset = 0;
  const mockNow = () => realNow() + offset;
  const MockDate = function Date(...args) {
    if (new.target === undefined) return new RealDate(mockNow()).toString();
    if (args.length === 0) return construct(RealDate, [mockNow()], new.target);
    return construct(RealDate, args, new.target);
  };
  defineProperty(MockDate, 'length', { value: 7 });
  defineProperty(MockDate, 'prototype', { value: RealDate.prototype, writable: false });
  const now = { now: () => mockNow() }.now;
  defineProperty(MockDate, 'now', { value: now, writable: true, configurable: true });
  MockDate.parse = RealDate.parse;
  MockDate.UTC = RealDate.UTC;
  RealDate.prototype.constructor = MockDate;
  hidden.push(RealDate);
  global.Date = MockDate;

  // console: each call becomes one log line, formatted like Node for strings and JSON.
  const format = (v) => {
    switch (typeof v) {
      case 'string':
        return v;
      case 'undefined':
        return 'undefined';
      case 'function':
        return '[Function: ' + (v.name || 'anonymous') + ']';
      case 'symbol':
      case 'bigint':
        return realString(v) + (typeof v === 'bigint' ? 'n' : '');
    }
    try {
      if (isError(v)) return describe(v);
      const s = stringify(v);
      return s === undefined ? realString(v) : s;
    } catch {
      return realString(v);
    }
  };
  const log = {
    log(...args) {
      let line = '';
      for (let i = 0; i < args.length; i++) line += (i === 0 ? '' : ' ') + format(args[i]);
      sink(line);
    },
  }.log;
  global.console = { log, info: log, warn: log, error: log, debug: log };

  const deepFreeze = (v) => {
    if (typeof v === 'object' && v !== null) {
      for (const k of keys(v)) deepFreeze(v[k]);
      freeze(v);
    }
    return v;
  };
  const describe = (e) => {
    try {
      if (isError(e)) {
        const head = realString(e.name) + ': ' + realString(e.message);
        const lines = realString(e.stack || '').split('\n').map((l) => l.trim());
        const at =
          lines.find((l) => l.startsWith('at ') && l.includes('(script:')) ||
          lines.find((l) => l.startsWith('at '));
        return at ? head + '\n' + at : head;
      }
      return typeof e === 'string' ? e : format(e);
    } catch {
      return 'uncaught exception';
    }
  };
  const replacer = (key, value) => {
    const t = typeof value;
    if (t === 'function' || t === 'symbol') {
      throw new TypeError('a ' + t + ' at ' + (key === '' ? 'the top level' : stringify(key)));
    }
    return value;
  };

  // The result is one tagged string: V json | U (undefined) | I invalid return | E thrown |
  // M out of memory | N a thrown null or undefined (what a failed allocation can leave) |
  // S the code closed the function it is the body of. `source` is the text `fn` must have:
  // QuickJS keeps each function's source, so any other text means that the compiled script
  // held more than that one function, and those other statements already ran.
  const run = function run(nowMs, fn, source, input, data, context, secrets) {
    if (apply(fnToString, fn, []) !== source) return 'S';
    offset = nowMs - realNow();
    let value;
    try {
      value = fn(parse(input), parse(data), parse(context), deepFreeze(parse(secrets)));
    } catch (e) {
      if (e === null || e === undefined) return 'N' + realString(e);
      return isOom(e) ? 'M' : 'E' + describe(e);
    }
    if (value === undefined) return 'U';
    try {
      return 'V' + stringify(value, replacer);
    } catch (e) {
      if (isOom(e)) return 'M';
      return 'I' + (isError(e) ? realString(e.message) : describe(e));
    }
  };
  return { run, hidden };
})
