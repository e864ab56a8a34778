#include "textflag.h"

// func sepMasksAsm(src *byte, words int, sep, nl *uint64)
//
// For each 64 bytes of src, one word of sep with bit j set when byte j is a comma or
// a line end and one of nl with bit j set when it is a line end: SSE2 (every amd64
// has it), eight 16-byte compares and four ors a word.
TEXT ·sepMasksAsm(SB), NOSPLIT, $0-32
	MOVQ src+0(FP), SI
	MOVQ words+8(FP), CX
	MOVQ sep+16(FP), DI
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

	// Line ends: X4-X7; separators: line ends or commas.
	MOVO X0, X4
	PCMPEQB X9, X4
	MOVO X1, X5
	PCMPEQB X9, X5
	MOVO X2, X6
	PCMPEQB X9, X6
	MOVO X3, X7
	PCMPEQB X9, X7
	PCMPEQB X8, X0
	PCMPEQB X8, X1
	PCMPEQB X8, X2
	PCMPEQB X8, X3
	POR X4, X0
	POR X5, X1
	POR X6, X2
	POR X7, X3

	PMOVMSKB X0, AX
	PMOVMSKB X1, BX
	SHLQ $16, BX
	ORQ BX, AX
	PMOVMSKB X2, BX
	SHLQ $32, BX
	ORQ BX, AX
	PMOVMSKB X3, BX
	SHLQ $48, BX
	ORQ BX, AX
	MOVQ AX, 0(DI)

	PMOVMSKB X4, AX
	PMOVMSKB X5, BX
	SHLQ $16, BX
	ORQ BX, AX
	PMOVMSKB X6, BX
	SHLQ $32, BX
	ORQ BX, AX
	PMOVMSKB X7, BX
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
