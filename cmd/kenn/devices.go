package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kenn-ot/kenn/runtime"
)

// infoDevices lists what the onnxruntime library kenn finds offers: its
// version and execution providers (GetAvailableProviders), and the
// --device values they allow.
func infoDevices(w io.Writer) error {
	lib, err := runtime.FindLibrary("")
	if err != nil {
		return err
	}
	v, ps, err := runtime.Providers(lib)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "onnxruntime library: %s\nversion: %s (kenn speaks ORT C API %d: onnxruntime 1.24 or later)\nexecution providers:", lib, v, runtime.APIVersion)
	for _, p := range ps {
		fmt.Fprintf(w, " %s", p)
	}
	fmt.Fprintf(w, "\ndevices (--device):\n  cpu      CPUExecutionProvider\n")
	var missing []string
	for _, f := range []string{"libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(lib), f)); err != nil {
			missing = append(missing, f)
		}
	}
	switch {
	case !slices.Contains(ps, "CUDAExecutionProvider"):
		fmt.Fprintf(w, "  cuda:N   unavailable: this library has no CUDAExecutionProvider (a CPU build); bring a GPU build of onnxruntime (docs/runtimes.md, \"CUDA\") and point %s to it\n", runtime.LibraryEnv)
	case len(missing) > 0:
		// onnxruntime-node's library lists CUDA (it is compiled in) but
		// ships without the provider's own libraries
		fmt.Fprintf(w, "  cuda:N   unavailable: the library lists CUDAExecutionProvider but %s %s missing beside it (a CPU-only install); bring a GPU build of onnxruntime (docs/runtimes.md, \"CUDA\") and point %s to it\n",
			strings.Join(missing, " and "), map[bool]string{true: "is", false: "are"}[len(missing) == 1], runtime.LibraryEnv)
	default:
		fmt.Fprintf(w, "  cuda:N   CUDAExecutionProvider on GPU N, if the CUDA and cuDNN libraries this build was made for load (docs/runtimes.md, \"CUDA\"); scripts/gpu/check.sh tests it\n")
	}
	return nil
}
