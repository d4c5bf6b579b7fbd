package export

import (
	"fmt"
	"os"
	"testing"

	"github.com/kenn-ot/kenn/models"
)

// loopEnv makes the test binary a child process for TestExportKilled: it
// exports two different models to the path it names, alternately, until
// it is killed.
const loopEnv = "KENN_EXPORT_TEST_LOOP"

func TestMain(m *testing.M) {
	if path := os.Getenv(loopEnv); path != "" {
		os.Exit(exportLoop(path))
	}
	os.Exit(m.Run())
}

// killModels are the two models the child alternates: a dwe (with a
// decoder) and a deepkenn (without one, so its export removes the dwe's).
func killModels() ([]*models.Checkpoint, error) {
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	var out []*models.Checkpoint
	for i, m := range []*models.Model{models.DWE(28, 28), models.DeepKENN(28, 28, bb)} {
		c, err := models.NewCheckpoint(m, uint64(i+1))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func exportLoop(path string) int {
	cs, err := killModels()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := 0; ; i++ {
		if _, err := WriteFiles(cs[i%2], path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if i == 0 {
			fmt.Println("first set written")
		}
	}
}
