//go:build ignore

// gen_block writes block_amd64.s, the assembly block kernels of package
// segdist: go generate ./runtime/segdist (see block_amd64.go for their
// contract).
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
)

type gen struct{ bytes.Buffer }

func (g *gen) op(format string, args ...any) { fmt.Fprintf(g, "\t"+format+"\n", args...) }
func (g *gen) label(l string)                { fmt.Fprintf(g, "%s:\n", l) }

// rowAddr is the address of row r of the output block, plus off bytes:
// DX is row 0, R11 the row stride in bytes, R12 = 3·R11, R13 = 5·R11,
// R14 = 7·R11.
func rowAddr(r, off int) string {
	base := "DX"
	idx := []string{"", "(R11*1)", "(R11*2)", "(R12*1)", "(R11*4)", "(R13*1)", "(R12*2)", "(R14*1)"}[r]
	return fmt.Sprintf("%d(%s)%s", off, base, idx)
}

func (g *gen) prologue(name string) {
	fmt.Fprintf(g, "\n// func %s(a, b *float32, ns *int32, nseg int, out *float32, ldo int, ta, tb *float32, sqrt bool)\n", name)
	fmt.Fprintf(g, "TEXT ·%s(SB), NOSPLIT, $0-65\n", name)
	g.op("MOVQ a+0(FP), SI")
	g.op("MOVQ b+8(FP), DI")
	g.op("MOVQ ns+16(FP), R8")
	g.op("MOVQ nseg+24(FP), R9")
	g.op("MOVQ out+32(FP), DX")
	g.op("MOVQ ldo+40(FP), R11")
	g.op("SHLQ $2, R11")
	g.op("LEAQ (R11)(R11*2), R12")
	g.op("LEAQ (R11)(R11*4), R13")
	g.op("LEAQ (R12)(R11*4), R14")
	g.op("MOVBLZX sqrt+64(FP), R10")
}

// avx512 is the 8×32 kernel: accumulators Z0–Z15 (row r in Z2r, Z2r+1),
// then the panel's two vectors, a broadcast and 0.
//
// The square roots are VSQRTPS, correctly rounded. Measured with
// BenchmarkBlock: on Zen 5 (two 512-bit FMA pipes) all sixteen through
// VSQRTPS ran at 210 GFLOP/s a core, 3% ahead of half of them through a
// Newton step from VRSQRT14PS (within 1 ulp) and 6% ahead of all through
// it; FMAs with an embedded broadcast ({1to16}) instead of VBROADCASTSS
// ran 8% slower. On Zen 4 (one 512-bit FMA a cycle) the half-Newton split
// had measured 7% faster; the correctly rounded one is kept for both.
func (g *gen) avx512() {
	const R, V, W = 8, 2, 64 // rows, vectors per row, bytes per vector
	acc := R * V
	bv0, bv1, bc, zero := acc, acc+1, acc+2, acc+3
	g.prologue("block8x32AVX512")
	g.op("VPXORD Z%d, Z%d, Z%d", zero, zero, zero)
	for r := 0; r < R; r++ {
		for v := 0; v < V; v++ {
			g.op("VMOVUPS Z%d, %s", zero, rowAddr(r, W*v))
		}
	}
	seg, kl, add := "seg512", "k512", "add512"
	g.label(seg)
	g.op("MOVLQSX (R8), CX")
	g.op("ADDQ $4, R8")
	// acc = ‖b‖² + ‖a‖²: the panel's norms, then each row's broadcast.
	g.op("VMOVUPS (DI), Z%d", bv0)
	g.op("VMOVUPS 64(DI), Z%d", bv1)
	for r := 0; r < R; r++ {
		g.op("VADDPS.BCST %d(SI), Z%d, Z%d", 4*r, bv0, V*r)
		g.op("VADDPS.BCST %d(SI), Z%d, Z%d", 4*r, bv1, V*r+1)
	}
	g.op("ADDQ $%d, SI", 4*R)
	g.op("ADDQ $%d, DI", W*V)
	g.label(kl)
	g.op("VMOVUPS (DI), Z%d", bv0)
	g.op("VMOVUPS 64(DI), Z%d", bv1)
	for r := 0; r < R; r++ {
		g.op("VBROADCASTSS %d(SI), Z%d", 4*r, bc)
		g.op("VFMADD231PS Z%d, Z%d, Z%d", bv0, bc, V*r)
		g.op("VFMADD231PS Z%d, Z%d, Z%d", bv1, bc, V*r+1)
	}
	g.op("ADDQ $%d, SI", 4*R)
	g.op("ADDQ $%d, DI", W*V)
	g.op("DECQ CX")
	g.op("JNZ %s", kl)
	// Clip at 0 with the accumulator second (a NaN stays NaN).
	for i := 0; i < acc; i++ {
		g.op("VMAXPS Z%d, Z%d, Z%d", i, zero, i)
	}
	g.op("TESTQ R10, R10")
	g.op("JZ %s", add)
	for i := 0; i < acc; i++ {
		g.op("VSQRTPS Z%d, Z%d", i, i)
	}
	g.label(add)
	for r := 0; r < R; r++ {
		for v := 0; v < V; v++ {
			i := V*r + v
			g.op("VADDPS %s, Z%d, Z%d", rowAddr(r, W*v), i, i)
			g.op("VMOVUPS Z%d, %s", i, rowAddr(r, W*v))
		}
	}
	g.op("DECQ R9")
	g.op("JNZ %s", seg)
	// The floor: a total below τa + τb is 0 (an ordered compare: NaN stays).
	g.op("MOVQ ta+48(FP), SI")
	g.op("MOVQ tb+56(FP), DI")
	g.op("VMOVUPS (DI), Z0")
	g.op("VMOVUPS 64(DI), Z1")
	for r := 0; r < R; r++ {
		g.op("VADDPS.BCST %d(SI), Z0, Z2", 4*r)
		g.op("VADDPS.BCST %d(SI), Z1, Z3", 4*r)
		for v := 0; v < V; v++ {
			g.op("VMOVUPS %s, Z4", rowAddr(r, W*v))
			g.op("VCMPPS $0x11, Z%d, Z4, K1", 2+v)
			g.op("VMOVUPS Z%d, K1, %s", zero, rowAddr(r, W*v))
		}
	}
	g.op("VZEROUPPER")
	g.op("RET")
}

// avx2 is the 6×16 kernel: accumulators Y0–Y11, the panel's two vectors
// in Y12, Y13, a broadcast in Y14, 0 in Y15; VSQRTPS (no room for the
// Newton step's constants).
func (g *gen) avx2() {
	const R, V, W = 6, 2, 32
	g.prologue("block6x16AVX2")
	g.op("VXORPS Y15, Y15, Y15")
	for r := 0; r < R; r++ {
		for v := 0; v < V; v++ {
			g.op("VMOVUPS Y15, %s", rowAddr(r, W*v))
		}
	}
	g.label("seg256")
	g.op("MOVLQSX (R8), CX")
	g.op("ADDQ $4, R8")
	g.op("VMOVUPS (DI), Y12")
	g.op("VMOVUPS 32(DI), Y13")
	for r := 0; r < R; r++ {
		g.op("VBROADCASTSS %d(SI), Y14", 4*r)
		g.op("VADDPS Y12, Y14, Y%d", V*r)
		g.op("VADDPS Y13, Y14, Y%d", V*r+1)
	}
	g.op("ADDQ $%d, SI", 4*R)
	g.op("ADDQ $%d, DI", W*V)
	g.label("k256")
	g.op("VMOVUPS (DI), Y12")
	g.op("VMOVUPS 32(DI), Y13")
	for r := 0; r < R; r++ {
		g.op("VBROADCASTSS %d(SI), Y14", 4*r)
		g.op("VFMADD231PS Y12, Y14, Y%d", V*r)
		g.op("VFMADD231PS Y13, Y14, Y%d", V*r+1)
	}
	g.op("ADDQ $%d, SI", 4*R)
	g.op("ADDQ $%d, DI", W*V)
	g.op("DECQ CX")
	g.op("JNZ k256")
	for i := 0; i < R*V; i++ {
		g.op("VMAXPS Y%d, Y15, Y%d", i, i)
	}
	g.op("TESTQ R10, R10")
	g.op("JZ add256")
	for i := 0; i < R*V; i++ {
		g.op("VSQRTPS Y%d, Y%d", i, i)
	}
	g.label("add256")
	for r := 0; r < R; r++ {
		for v := 0; v < V; v++ {
			i := V*r + v
			g.op("VADDPS %s, Y%d, Y%d", rowAddr(r, W*v), i, i)
			g.op("VMOVUPS Y%d, %s", i, rowAddr(r, W*v))
		}
	}
	g.op("DECQ R9")
	g.op("JNZ seg256")
	g.op("MOVQ ta+48(FP), SI")
	g.op("MOVQ tb+56(FP), DI")
	for r := 0; r < R; r++ {
		g.op("VBROADCASTSS %d(SI), Y14", 4*r)
		g.op("VADDPS (DI), Y14, Y12")
		g.op("VADDPS 32(DI), Y14, Y13")
		for v := 0; v < V; v++ {
			g.op("VMOVUPS %s, Y0", rowAddr(r, W*v))
			g.op("VCMPPS $0x11, Y%d, Y0, Y1", 12+v)
			g.op("VANDNPS Y0, Y1, Y0")
			g.op("VMOVUPS Y0, %s", rowAddr(r, W*v))
		}
	}
	g.op("VZEROUPPER")
	g.op("RET")
}

func main() {
	var g gen
	g.WriteString("// Code generated by gen_block.go; DO NOT EDIT.\n\n#include \"textflag.h\"\n")
	g.WriteString(`
// Block kernels of package segdist (block_amd64.go). For each segment of
// n features: acc[r][c] = ‖a_r‖² + ‖b_c‖² + Σ_k (−2a_r[k])·b_c[k], the
// packed groups holding the norms first; then, unless sqrt is false,
// out[r][c] += √max(acc, 0) (VSQRTPS, correctly rounded), else
// += max(acc, 0). The clip has the
// accumulator second, so a NaN stays NaN. Last, a total below
// ta[r] + tb[c] is set to 0 (an ordered compare: NaN stays NaN).
`)
	g.avx512()
	g.avx2()
	if err := os.WriteFile("block_amd64.s", g.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
