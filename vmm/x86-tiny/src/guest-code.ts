// The guest: 23 bytes of real-mode x86 that enable kvmclock and then report their
// TSC forever. Where they go and what they talk to is all a VMM needs to know.

/** Guest-physical address the code is loaded at and entered (CS base 0, IP here). */
export const ENTRY = 0x1000;
/** Guest-physical address of the pvclock area the guest hands to KVM. */
export const PVCLOCK_AREA = 0x2000;
/** The port the guest reports its TSC on (`out 0x10, al`; the value is in EDX:EAX). */
export const REPORT_PORT = 0x10;
/** Guest memory: one slot at 0 covering the code and the pvclock area. */
export const MEMORY_SIZE = 0x4000;

/**
 * The guest program. The 0x66 prefixes make the operands 32-bit in real mode.
 * `wrmsr` with ECX = MSR_KVM_SYSTEM_TIME_NEW and EDX:EAX = the area's address | 1
 * asks KVM to keep a pvclock_vcpu_time_info there; each `out` then exits to the VMM,
 * which reads EDX:EAX (the TSC just read) and the area, and computes the guest's
 * kvmclock from them.
 */
// prettier-ignore
export const GUEST_CODE: Uint8Array = Uint8Array.from([
  0x66, 0xb9, 0x01, 0x4d, 0x56, 0x4b, // 0x1000  mov ecx, 0x4b564d01  MSR_KVM_SYSTEM_TIME_NEW
  0x66, 0xb8, 0x01, 0x20, 0x00, 0x00, // 0x1006  mov eax, 0x00002001  the pvclock area (0x2000) | 1: enable
  0x66, 0x31, 0xd2,                   // 0x100c  xor edx, edx         (the address's high half)
  0x0f, 0x30,                         // 0x100f  wrmsr                KVM now keeps the area up to date
  0x0f, 0x31,                         // 0x1011  rdtsc                loop: EDX:EAX = the TSC
  0xe6, 0x10,                         // 0x1013  out 0x10, al         exit to the VMM, which reads EDX:EAX
  0xeb, 0xfa,                         // 0x1015  jmp 0x1011           (rel8 -6)
]);
