import { AsyncResource } from 'node:async_hooks';

/**
 * Node 20's ClientHttp2Session#request binds every new stream's start-up callback with
 * AsyncResource#bind, and that bind wraps two accessors in util.deprecate (DEP0172) on each call,
 * closures and prototype objects included: about a third of the CPU one HTTP/2 request costs a
 * client, measured against the APNs mock (171 vs 118 µs per request). `withFastAsyncBind` runs
 * one synchronous call (the pool's own `session.request`) with a bind of the same behaviour (same
 * async context, `this`, `length`, and the deprecated `asyncResource` accessor, warning once) built
 * from shared accessors, and puts Node's own back before returning: no other code, and nothing
 * asynchronous, ever sees the replacement, so Node is not changed for anyone else. Only that
 * Node 20 implementation (recognised by its DEP0172 text) is stood in for; later Node versions
 * keep theirs.
 */
export function withFastAsyncBind<T>(call: () => T): T {
  const proto = AsyncResource.prototype as unknown as { bind: unknown };
  // Someone else's replacement (an APM agent, say) is left alone.
  if (slowBind === undefined || proto.bind !== slowBind) return call();
  proto.bind = fastBind;
  try {
    return call();
  } finally {
    proto.bind = slowBind;
  }
}

/** Node's own bind, when it is the slow one worth standing in for. */
const slowBind: unknown = (() => {
  const bind = (AsyncResource.prototype as unknown as { bind: unknown }).bind;
  return typeof bind === 'function' && Function.prototype.toString.call(bind).includes('DEP0172') ? bind : undefined;
})();

const RESOURCE = Symbol('herald.asyncResource');
type Bound = ((...args: unknown[]) => unknown) & { [RESOURCE]?: AsyncResource };

let warned = false;
function deprecated(): void {
  if (warned) return;
  warned = true;
  process.emitWarning('The asyncResource property on bound functions is deprecated', 'DeprecationWarning', 'DEP0172');
}
function getResource(this: Bound): AsyncResource | undefined {
  deprecated();
  return this[RESOURCE];
}
function setResource(this: Bound, value: AsyncResource): void {
  deprecated();
  this[RESOURCE] = value;
}
// One descriptor for every bound function: building a fresh descriptor map per bind (as Node does)
// cost five times the rest of the bind, about 1 µs per HTTP/2 request.
const ACCESSOR: PropertyDescriptor = Object.freeze({ configurable: true, enumerable: true, get: getResource, set: setResource });

function fastBind(this: AsyncResource, fn: (...args: unknown[]) => unknown, thisArg?: unknown): Bound {
  if (typeof fn !== 'function') {
    throw Object.assign(new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  const resource = this;
  const bound: Bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]) {
          return resource.runInAsyncScope(fn, this, ...args);
        }
      : resource.runInAsyncScope.bind(resource, fn, thisArg);
  // Both forms above have length 0 already, which is all the binds inside a request see.
  if (fn.length !== 0) Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
  Object.defineProperty(bound, 'asyncResource', ACCESSOR);
  // A plain store (so enumerable, unlike a defined property): only Object.assign, spreads and
  // getOwnPropertySymbols would see this module's private symbol.
  bound[RESOURCE] = resource;
  return bound;
}
