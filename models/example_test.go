package models_test

import (
	"fmt"

	"github.com/kenn-ot/kenn/models"
)

// DWE's parameter count at 28×28 and the KENN models at a matched size.
func ExampleMatched() {
	fmt.Println("dwe encoder", models.DWE(28, 28).NumDistanceParams())
	ref := models.DeepKENN(28, 28, models.DefaultBackbone).NumDistanceParams()
	for _, kind := range []string{models.KindDeepKENN, models.KindODEKENN, models.KindNaive} {
		m, _ := models.Matched(kind, 28, 28, ref, models.DefaultBackbone, 64, 8)
		fmt.Println(kind, m.NumDistanceParams())
	}
	// Output:
	// dwe encoder 399855
	// deepkenn 407432
	// odekenn 408524
	// naive 407429
}
