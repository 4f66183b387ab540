// kvm-tod's native glue for an add-on of one's own (a VMM's): the argument checks and the
// errno -> KvmError marshalling of native/src/, linked into that add-on so that its failures
// are the same KvmError, with the same errno, code and syscall, as the library's. In its
// binding.gyp, as node-addon-api's targets are used:
//   "dependencies": ["<!(node -p \"require('kvm-tod/native-glue').target\")"]
// which compiles args.cc and errors.cc into a static library and puts the headers (args.h,
// errors.h, ioctl.h, addon_data.h) on the include path; include_dir names that folder for
// an add-on that only wants the headers. From its JavaScript, once:
//   addon.setErrorFactory((errno, syscall, details) => new KvmError(errno, syscall, details))
// docs/api.md ("Native add-ons of your own") says what they promise.
//
// addon_target is internal to the kvm-tod workspace, not part of that promise: the library's
// whole addon (binding.gyp's sources, defines and flags) as a static library, from which the
// bench (@kvm-tod/bench) links a stand-in whose ioctl() answers at once, to measure the
// library's own cost around each system call.
'use strict';
const path = require('path');

// Relative to where gyp runs the command (the add-on's folder), as node-addon-api's are:
// gyp keeps a target's objects under the add-on's build/ only for relative paths.
const here = path.relative('.', __dirname);

// One assignment each, so that Node's CommonJS lexer finds the names for `import { target }`.
exports.include_dir = path.join(here, 'src');
exports.target = `${path.join(here, 'glue.gyp')}:kvm_tod_glue`;
exports.addon_target = `${path.join(here, 'glue.gyp')}:kvm_tod_addon`;
