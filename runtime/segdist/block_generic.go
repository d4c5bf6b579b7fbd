package segdist

import "math"

// genericGeometry is the portable Go kernel: 4 rows of a against 8 of b.
var genericGeometry = geometry{name: "go 4×8", r: 4, c: 8, block: blockGo}

// blockGo is the 4×8 block kernel in Go (see geometry.block).
func blockGo(a, b []float32, ns []int32, out []float32, ldo int, ta, tb []float32, sqrt bool) {
	const r, c = 4, 8
	checkBlock(a, b, ns, out, ldo, ta, tb, r, c)
	var tot [r * c]float32
	for _, nl := range ns {
		n := int(nl)
		var acc [r * c]float32
		an, bn := (*[r]float32)(a[:r]), (*[c]float32)(b[:c])
		for i, x := range an {
			for j, y := range bn {
				acc[i*c+j] = y + x
			}
		}
		av, bv := a[r:(n+1)*r], b[c:(n+1)*c]
		for k := 0; k < n; k++ {
			bk := (*[c]float32)(bv[k*c : k*c+c])
			ak := (*[r]float32)(av[k*r : k*r+r])
			for i, x := range ak {
				row := (*[c]float32)(acc[i*c : i*c+c])
				for j, y := range bk {
					row[j] += x * y
				}
			}
		}
		a, b = a[(n+1)*r:], b[(n+1)*c:]
		for i, v := range acc {
			if v < 0 { // NaN stays NaN
				v = 0
			}
			if sqrt {
				v = float32(math.Sqrt(float64(v)))
			}
			tot[i] += v
		}
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := tot[i*c+j]
			if v < ta[i]+tb[j] {
				v = 0
			}
			out[i*ldo+j] = v
		}
	}
}

// checkBlock panics unless the slices hold what an r×c kernel reads and
// writes (see geometry.block): the assembly kernels check nothing.
func checkBlock(a, b []float32, ns []int32, out []float32, ldo int, ta, tb []float32, r, c int) {
	kt := 0
	for _, n := range ns {
		if n <= 0 {
			panic("segdist: a segment of no features")
		}
		kt += int(n) + 1
	}
	if len(ns) == 0 || len(a) < kt*r || len(b) < kt*c || ldo < c || len(out) < (r-1)*ldo+c || len(ta) < r || len(tb) < c {
		panic("segdist: block slices too short for the kernel")
	}
}
