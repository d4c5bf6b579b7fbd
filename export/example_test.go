package export_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
)

// Export a (here untrained) checkpoint: three ONNX files.
func ExampleWriteFiles() {
	c, err := models.NewCheckpoint(models.ODEKENN(28, 28, models.DefaultBackbone, 64, 8), 1)
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "export")
	defer os.RemoveAll(dir)
	files, err := export.WriteFiles(c, filepath.Join(dir, "odekenn.onnx"))
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// odekenn.onnx
	// odekenn.pairwise.onnx
	// odekenn.pair.onnx
}
