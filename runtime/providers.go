package runtime

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

// The two entries of OrtApiBase (onnxruntime_c_api.h).
typedef struct {
	const void* (*GetApi)(uint32_t version);
	const char* (*GetVersionString)(void);
} kennApiBase;
typedef const kennApiBase* (*kennGetApiBase)(void);
typedef void* (*kennGetProviders)(char*** out, int* n);
typedef void* (*kennReleaseProviders)(char** p, int n);
typedef const char* (*kennErrorMessage)(const void* status);

// Indices of OrtApi's function pointers (the struct is append-only across
// onnxruntime releases): GetErrorMessage 2, GetAvailableProviders 125,
// ReleaseAvailableProviders 126, as offsetof gives them in the
// onnxruntime_c_api.h of onnxruntime_go v1.27 (ORT_API_VERSION 24).
typedef struct {
	void* handle;
	void* const* api;
} kennLib;

static int kenn_open(const char* lib, uint32_t api_version, kennLib* l, char** version, const char** err) {
	l->handle = dlopen(lib, RTLD_LAZY);
	if (!l->handle) { *err = dlerror(); return 1; }
	kennGetApiBase base = (kennGetApiBase)dlsym(l->handle, "OrtGetApiBase");
	if (!base) { *err = "no OrtGetApiBase symbol: not an onnxruntime library"; dlclose(l->handle); return 1; }
	const kennApiBase* b = base();
	*version = (char*)b->GetVersionString();
	l->api = (void* const*)b->GetApi(api_version);
	if (!l->api) { *err = "the library does not offer this ORT API version (it is older)"; return 2; }
	return 0;
}
static const char* kenn_providers(kennLib* l, char*** names, int* n) {
	void* st = ((kennGetProviders)l->api[125])(names, n);
	return st ? ((kennErrorMessage)l->api[2])(st) : NULL;
}
static void kenn_release(kennLib* l, char** names, int n) {
	((kennReleaseProviders)l->api[126])(names, n);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// APIVersion is the onnxruntime C API version kenn is built against
// (onnxruntime_go v1.27's headers): a library must offer it, which every
// onnxruntime from 1.24 on does.
const APIVersion = 24

// Providers returns the onnxruntime version of the library at path and
// the execution providers it was built with (OrtApi's
// GetAvailableProviders, which onnxruntime_go does not wrap), e.g.
// [CUDAExecutionProvider CPUExecutionProvider] for a GPU build. A
// provider listed still needs its own libraries at run time (CUDA and
// cuDNN for CUDA): Open with Device cuda:N is the test of those.
func Providers(path string) (version string, providers []string, err error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var (
		lib   C.kennLib
		v     *C.char
		names **C.char
		n     C.int
		msg   *C.char
	)
	// The library stays loaded (dlclose is not called): onnxruntime does
	// not support being unloaded, and onnxruntime_go keeps it too.
	switch C.kenn_open(cpath, APIVersion, &lib, &v, &msg) {
	case 0:
	case 2:
		return C.GoString(v), nil, fmt.Errorf("runtime: %s (onnxruntime %s): API version %d: %s", path, C.GoString(v), APIVersion, C.GoString(msg))
	default:
		return "", nil, fmt.Errorf("runtime: %s: %s", path, C.GoString(msg))
	}
	version = C.GoString(v)
	if m := C.kenn_providers(&lib, &names, &n); m != nil {
		return version, nil, fmt.Errorf("runtime: %s: GetAvailableProviders: %s", path, C.GoString(m))
	}
	for _, s := range unsafe.Slice(names, int(n)) {
		providers = append(providers, C.GoString(s))
	}
	C.kenn_release(&lib, names, n)
	return version, providers, nil
}
