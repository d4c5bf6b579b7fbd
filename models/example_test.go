package models_test

import (
	"fmt"

	"github.com/kenn-ot/kenn/models"
)

// DWE's parameter count at 28×28 and the KENN models at a matched size.
func ExampleMatched() {
	fmt.Println("dwe encoder", models.DWE(28, 28).NumDistanceParams())
	ref := models.DeepKENN(28, 28, models.DefaultBackbone).NumDistanceParams()
	for _, kind := range []models.Kind{models.KindDeepKENN, models.KindODEKENN, models.KindNaive} {
		m, _ := models.Matched(kind, 28, 28, ref, models.DefaultBackbone, 64, 8)
		fmt.Println(kind, m.NumDistanceParams())
	}
	// Output:
	// dwe encoder 399855
	// deepkenn 407437
	// odekenn 408534
	// naive 407429
}

// Two ODE-KENNs trained with different seeds (here: initialized) combine
// into one model that averages their W2 predictions; kenn ensemble does this
// for checkpoint files.
func ExampleNewEnsemble() {
	m := models.ODEKENN(28, 28, models.DefaultBackbone, 64, 8)
	a, _ := models.NewCheckpoint(m, 1)
	b, _ := models.NewCheckpoint(m, 2)
	e, err := models.NewEnsemble(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Model.Kind, len(e.Model.Members), "members")
	fmt.Println("parameters", e.Model.NumParams(), "=", 2*m.NumParams())
	fmt.Println("embedding", e.Model.EmbeddingDim(), "values in", len(e.Model.Segments()), "segments")
	// Output:
	// ensemble 2 members
	// parameters 823406 = 823406
	// embedding 576 values in 18 segments
}
