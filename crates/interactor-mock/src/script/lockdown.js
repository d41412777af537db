// Locks a hardened context down so that it can serve many jobs, one after the other, without
// any job seeing what an earlier one did. Evaluated once per context, right after the
// prelude; `hidden` lists the originals the prelude replaced, which scripts cannot reach but
// which are frozen all the same. Returns `reset`, run after every job.
//
// Every object reachable from the global object (values, accessors, prototypes) is frozen,
// together with the intrinsics that are only reachable from instances (iterator, generator
// and helper prototypes). The global object itself stays extensible and writable: `reset`
// puts back the properties recorded here and deletes the ones a job added.
//
// Limitation: the `Symbol.for` registry belongs to the runtime and is not reset; an entry
// carries only its key, so nothing flows through it from one job to the next.
(function (hidden) {
  'use strict';
  const global = globalThis;
  const { apply, defineProperty: define, deleteProperty, ownKeys, setPrototypeOf } = Reflect;
  const {
    defineProperty,
    freeze,
    getOwnPropertyDescriptor: describe,
    getOwnPropertyDescriptors,
    getPrototypeOf,
    isExtensible,
  } = Object;
  const is = Object.is;
  const hasOwn = Object.hasOwn;
  const realString = String;

  // Error stack hooks write to the context, not to a property: a job setting
  // `Error.prepareStackTrace` would format the stack traces of every later job. Both
  // become read-only data properties holding their current values.
  for (const name of ['prepareStackTrace', 'stackTraceLimit']) {
    const d = describe(Error, name);
    if (d !== undefined && d.get !== undefined) {
      const value = apply(d.get, Error, []);
      defineProperty(Error, name, { value, writable: false, enumerable: d.enumerable });
    }
  }

  // Intrinsics that no global property leads to: only instances do.
  const samples = [
    function () {},
    async function () {},
    function* () {},
    async function* () {},
    () => {},
    class {},
    (function* () {})(),
    (async function* () {})(),
    [].values(),
    new Map().values(),
    new Set().values(),
    ''[Symbol.iterator](),
    /a/g[Symbol.matchAll](''),
    (function () {
      return arguments;
    })(),
  ];
  if (typeof Iterator === 'function') {
    samples.push([].values().map((x) => x), Iterator.from({ next() {} }));
    if (typeof Iterator.concat === 'function') samples.push(Iterator.concat());
  }

  // Walk everything reachable and note which objects serve as prototypes. This runs before
  // any script, so it may call built-ins directly.
  const reached = [];
  const seen = new Set();
  const protos = new Set();
  const pending = [getPrototypeOf(global)];
  const visit = (v) => {
    if ((typeof v === 'object' || typeof v === 'function') && v !== null && v !== global) {
      pending.push(v);
    }
  };
  const visitAll = (o) => {
    const all = getOwnPropertyDescriptors(o);
    const keys = ownKeys(all);
    for (let i = 0; i < keys.length; i++) {
      const d = all[keys[i]];
      if (hasOwn(d, 'value')) {
        visit(d.value);
      } else {
        visit(d.get);
        visit(d.set);
      }
    }
    return all;
  };
  for (let i = 0; i < samples.length; i++) visit(samples[i]);
  for (let i = 0; i < hidden.length; i++) visit(hidden[i]);
  visitAll(global);
  while (pending.length > 0) {
    const o = pending.pop();
    if (seen.has(o)) continue;
    seen.add(o);
    reached.push(o);
    const proto = getPrototypeOf(o);
    if (proto !== null) {
      protos.add(proto);
      visit(proto);
    }
    const all = visitAll(o);
    if (typeof o === 'function' && all.prototype !== undefined && hasOwn(all.prototype, 'value')) {
      protos.add(all.prototype.value);
    }
  }

  // Frozen prototypes break ordinary assignments: `o.toString = f` fails when `toString` is
  // inherited read-only. For the names scripts commonly assign, the data property becomes an
  // accessor whose setter defines the property on the receiver instead.
  const common = ['constructor', 'toString', 'toLocaleString', 'valueOf', 'toJSON'];
  const onErrors = ['name', 'message'];
  const errorProto = Error.prototype;
  const tame = (proto, key) => {
    const d = describe(proto, key);
    if (d === undefined || !hasOwn(d, 'value') || !d.configurable) return;
    const value = d.value;
    // Methods, unlike function expressions, come without a `prototype` object to freeze.
    const { get, set } = {
      get() {
        return value;
      },
      set(next) {
        // Limitation: this throws even in sloppy code, which would fail silently on a
        // read-only data property; a setter cannot know the mode of its caller.
        if (this === proto) {
          throw new TypeError('built-ins are read-only in scripts: ' + realString(key));
        }
        if ((typeof this !== 'object' && typeof this !== 'function') || this === null) return;
        const own = { value: next, writable: true, enumerable: true, configurable: true };
        if (!define(this, key, own)) {
          throw new TypeError('cannot define ' + realString(key) + ' on this object');
        }
      },
    };
    freeze(get);
    freeze(set);
    defineProperty(proto, key, { get, set, enumerable: d.enumerable });
  };
  for (const o of protos) {
    if (o === Object.prototype) {
      const keys = ownKeys(o);
      for (let i = 0; i < keys.length; i++) if (typeof keys[i] === 'string') tame(o, keys[i]);
      continue;
    }
    for (let i = 0; i < common.length; i++) tame(o, common[i]);
    if (o === errorProto || getPrototypeOf(o) === errorProto) {
      for (let i = 0; i < onErrors.length; i++) tame(o, onErrors[i]);
    }
  }

  for (let i = 0; i < reached.length; i++) freeze(reached[i]);

  // What every job starts with, and the last property that no job can delete (`undefined`,
  // `NaN` and `Infinity` are not configurable).
  const recorded = getOwnPropertyDescriptors(global);
  setPrototypeOf(recorded, null);
  const recordedKeys = ownKeys(recorded);
  const count = recordedKeys.length;
  let lastFixed = -1;
  for (let i = 0; i < count; i++) if (!recorded[recordedKeys[i]].configurable) lastFixed = i;
  const globalProto = getPrototypeOf(global);
  const same = (a, b) =>
    is(a.value, b.value) &&
    a.get === b.get &&
    a.set === b.set &&
    a.writable === b.writable &&
    a.enumerable === b.enumerable &&
    a.configurable === b.configurable;

  // Puts the global object back as recorded: same properties, same attributes, same values,
  // same order. Returns false when it cannot (the job made the global non-extensible, pinned
  // a property, added too many or deleted one that precedes a non-configurable one); the
  // context must then be dropped.
  return function reset(maxAdded) {
    if (!isExtensible(global)) return false;
    if (getPrototypeOf(global) !== globalProto && !setPrototypeOf(global, globalProto)) {
      return false;
    }
    const now = getOwnPropertyDescriptors(global);
    setPrototypeOf(now, null);
    const keys = ownKeys(now);
    if (keys.length > count + maxAdded) return false;
    // Delete what the job added, and find where the recorded keys stop being in their
    // recorded order (a deleted key, or one deleted and added again, which moves it last).
    let next = 0;
    let broken = -1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (recorded[key] === undefined) {
        if (!deleteProperty(global, key)) return false;
      } else if (broken < 0) {
        if (key === recordedKeys[next]) next++;
        else broken = next;
      }
    }
    if (broken < 0) broken = next;
    // From there on, every recorded property is deleted and defined again, in order.
    if (broken < count) {
      if (broken <= lastFixed) return false;
      for (let i = broken; i < count; i++) {
        if (now[recordedKeys[i]] !== undefined && !deleteProperty(global, recordedKeys[i])) {
          return false;
        }
      }
      for (let i = broken; i < count; i++) {
        if (!define(global, recordedKeys[i], recorded[recordedKeys[i]])) return false;
      }
    }
    // Before it, the properties are where they were; only their values or attributes may
    // have changed.
    for (let i = 0; i < broken; i++) {
      const key = recordedKeys[i];
      const d = recorded[key];
      if (!same(now[key], d) && !define(global, key, d)) return false;
    }
    return true;
  };
});
