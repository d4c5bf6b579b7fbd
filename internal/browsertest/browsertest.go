// Package browsertest runs pages in Debian's headless Chromium for kenn's
// tests: a server on 127.0.0.1 for the page and scripts/ci/browser.js
// (puppeteer-core, installed by make web-deps) to drive it. It is used by
// the tests of runtime/web, cmd/kenn and internal/conformance only.
package browsertest

import (
	"bytes"
	"context"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"
)

// Serve serves h on a free port of 127.0.0.1 until the test ends and
// returns the page's URL ("http://127.0.0.1:PORT/").
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// Run opens url in Chromium through scripts/ci/browser.js with its other
// arguments (--wait, --click, --screenshot, --result …; see the script)
// and returns what the script wrote: the --result value as JSON on
// stdout, its log on stderr. The test fails when Chromium is missing or
// the script fails, or after timeout.
func Run(t testing.TB, timeout time.Duration, url string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Fatalf("Debian's chromium is not installed: run `make web-deps` (make test does): %v", err)
	}
	_, here, _, _ := goruntime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "..", "scripts", "ci", "browser.js")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script, "--url", url}, args...)...)
	var out, log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("scripts/ci/browser.js: %v\n%s", err, log.Bytes())
	}
	return out.Bytes(), log.Bytes()
}

// CheckScreenshot fails the test unless the PNG at path shows a page, not
// a blank one: dark ink on at least 1% of it (thumbnails, text) and at
// least 32 grey levels (the digits).
func CheckScreenshot(t testing.TB, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	dark, levels := 0, map[uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (r + g + bl) / 3 >> 8
			levels[l] = true
			if l < 128 {
				dark++
			}
		}
	}
	frac := float64(dark) / float64(b.Dx()*b.Dy())
	t.Logf("screenshot %dx%d: %.1f%% dark pixels, %d grey levels", b.Dx(), b.Dy(), 100*frac, len(levels))
	if frac < 0.01 || len(levels) < 32 {
		t.Fatalf("the screenshot looks blank: %.2f%% dark pixels, %d grey levels", 100*frac, len(levels))
	}
}
