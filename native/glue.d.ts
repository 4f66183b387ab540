/** The folder of kvm-tod's native headers (args.h, errors.h, ioctl.h, addon_data.h), relative to the working directory. */
export declare const include_dir: string;
/** The gyp target ("path/glue.gyp:kvm_tod_glue") that compiles the glue into a static library, for "dependencies". */
export declare const target: string;
/**
 * Internal to the kvm-tod workspace (the bench's stand-in addon), not public and free to change in any release: the
 * gyp target ("path/glue.gyp:kvm_tod_addon") that compiles the library's whole addon into a static library.
 */
export declare const addon_target: string;
