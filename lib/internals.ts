// The keys of GuestClock's members that only the library's own modules use (the section
// calls in clock-section.ts; heldBase and release also the fault tests' mutants).
// Symbol-keyed, so no user reaches them by name; the clock's other state is in #private
// fields. This module is not exported from the package (index.ts) and the members carry
// @internal, so the shipped .d.ts has none of them (tsconfig: stripInternal).

/** `clock[saveAt]()`: save(), with the host wall time at which the value was true. */
export const saveAt: unique symbol = Symbol('kvm-tod.saveAt');
/** `clock[warnWith](code, message, cause?)`: a warning through the clock's sink. */
export const warnWith: unique symbol = Symbol('kvm-tod.warnWith');
/** `clock[publishFallback](operation, error, heldNs?)`: a fallback diagnostics event. */
export const publishFallback: unique symbol = Symbol('kvm-tod.publishFallback');
/** `clock[policyFor](heldNs)`: the policy's choice for a clock held `heldNs`. */
export const policyFor: unique symbol = Symbol('kvm-tod.policyFor');
/** `clock[heldBase]`: `{ value, since }` while held (since: host monotonic ns), else undefined. */
export const heldBase: unique symbol = Symbol('kvm-tod.heldBase');
/** `clock[release]()`: cont's step for a held clock, writing the held value back. */
export const release: unique symbol = Symbol('kvm-tod.release');
/** `clock[loadAt](value, trueAt?)`: load(), for a value that was the guest's time at host monotonic `trueAt`. */
export const loadAt: unique symbol = Symbol('kvm-tod.loadAt');
