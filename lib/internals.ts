// The keys of GuestClock's members that only the library's own modules use (the section
// calls in clock-section.ts). Symbol-keyed, so no user reaches them by name; this module
// is not exported from the package (index.ts) and the members carry @internal, so the
// shipped .d.ts has none of them (tsconfig: stripInternal).

/** `clock[saveAt]()`: save(), with the host wall time at which the value was true. */
export const saveAt: unique symbol = Symbol('kvm-tod.saveAt');
/** `clock[warnWith](code, message, cause?)`: a warning through the clock's sink. */
export const warnWith: unique symbol = Symbol('kvm-tod.warnWith');
/** `clock[publishFallback](operation, error, heldNs?)`: a fallback diagnostics event. */
export const publishFallback: unique symbol = Symbol('kvm-tod.publishFallback');
/** `clock[policyFor](heldNs)`: the policy's choice for a clock held `heldNs`. */
export const policyFor: unique symbol = Symbol('kvm-tod.policyFor');
