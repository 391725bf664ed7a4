#include "textflag.h"

// func framePCs(buf []uintptr) int
//
// framePCs walks the frame-pointer chain of its caller's goroutine and
// stores, from the frame of its caller's caller on, each frame's return
// address: the physical frames runtime.Callers would expand into logical
// ones. It has no frame of its own, so BP is still its caller's frame
// pointer: 0(BP) is the caller's caller's BP, 8(BP) the return address
// into it. The walk stops at a nil frame pointer or a full buffer. It is
// assembly because the loads are of the goroutine's own stack, which must
// not move between reading BP and following it: an assembly function
// makes no calls and is never preempted asynchronously.
TEXT ·framePCs(SB),NOSPLIT,$0-32
	MOVQ buf_base+0(FP), DI
	MOVQ buf_len+8(FP), SI
	MOVQ BP, AX
	XORQ CX, CX
loop:
	CMPQ CX, SI
	JGE done
	TESTQ AX, AX
	JZ done
	MOVQ 8(AX), DX
	TESTQ DX, DX
	JZ done
	MOVQ DX, (DI)(CX*8)
	INCQ CX
	MOVQ 0(AX), AX
	JMP loop
done:
	MOVQ CX, ret+24(FP)
	RET
