package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/runtime"
)

// kenn info --devices names the library, its version and providers, and
// says whether cuda:N can run: with the CPU library make ort installs,
// which lists CUDAExecutionProvider without its provider libraries, it
// says unavailable and names the missing files.
func TestInfoDevices(t *testing.T) {
	lib, err := runtime.FindLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := kenn("info", "--devices")
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	for _, want := range []string{"onnxruntime library: " + lib + "\n", "version: 1.", "execution providers: ", "CPUExecutionProvider", "  cpu ", "  cuda:N "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	_, serr := os.Stat(filepath.Join(filepath.Dir(lib), "libonnxruntime_providers_cuda.so"))
	if serr != nil && (!strings.Contains(out, "cuda:N   unavailable") || !strings.Contains(out, "libonnxruntime_providers_cuda.so")) {
		t.Errorf("without the CUDA provider library, want cuda:N unavailable naming it:\n%s", out)
	}
	if _, _, err := kenn("info", "--devices", "x.onnx"); err == nil {
		t.Error("--devices with a FILE: no usage error")
	}
}
