#include "textflag.h"

// func sepMasksAsm(src *byte, words int, com, nl *uint64)
//
// For each 64 bytes of src, one word of com with bit j set when byte j is a comma
// and one of nl with bit j set when it is a line end: SSE2 (every amd64 has it),
// four 16-byte compares and byte masks a word.
TEXT ·sepMasksAsm(SB), NOSPLIT, $0-32
	MOVQ src+0(FP), SI
	MOVQ words+8(FP), CX
	MOVQ com+16(FP), DI
	MOVQ nl+24(FP), DX
	MOVQ $0x2c2c2c2c2c2c2c2c, AX
	MOVQ AX, X8
	PUNPCKLQDQ X8, X8
	MOVQ $0x0a0a0a0a0a0a0a0a, AX
	MOVQ AX, X9
	PUNPCKLQDQ X9, X9
	TESTQ CX, CX
	JEQ done

loop:
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3

	MOVO X0, X4
	PCMPEQB X8, X4
	PMOVMSKB X4, AX
	MOVO X1, X5
	PCMPEQB X8, X5
	PMOVMSKB X5, BX
	SHLQ $16, BX
	ORQ BX, AX
	MOVO X2, X6
	PCMPEQB X8, X6
	PMOVMSKB X6, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVO X3, X7
	PCMPEQB X8, X7
	PMOVMSKB X7, BX
	SHLQ $48, BX
	ORQ BX, AX
	MOVQ AX, 0(DI)

	PCMPEQB X9, X0
	PMOVMSKB X0, AX
	PCMPEQB X9, X1
	PMOVMSKB X1, BX
	SHLQ $16, BX
	ORQ BX, AX
	PCMPEQB X9, X2
	PMOVMSKB X2, BX
	SHLQ $32, BX
	ORQ BX, AX
	PCMPEQB X9, X3
	PMOVMSKB X3, BX
	SHLQ $48, BX
	ORQ BX, AX
	MOVQ AX, 0(DX)

	ADDQ $64, SI
	ADDQ $8, DI
	ADDQ $8, DX
	DECQ CX
	JNE loop

done:
	RET
