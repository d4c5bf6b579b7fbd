package web

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// checkOut refuses an output folder that would destroy something: a
// file, a folder that is not a site of kenn web, or one that holds an
// input (replacing it would delete the input); its parent must exist.
func checkOut(out string, inputs [][2]string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("web: -o %s: %w", out, err)
	}
	for _, fin := range inputs {
		flag, in := fin[0], fin[1]
		a, err := filepath.Abs(in)
		if err != nil {
			continue
		}
		if r, err := filepath.Rel(abs, a); err == nil && (r == "." || !strings.HasPrefix(r, "..")) {
			return fmt.Errorf("web: -o %s holds the input %s %s: writing the site there would delete it; name another folder", out, flag, in)
		}
		if ra, err := filepath.EvalSymlinks(a); err == nil {
			if ro, err := filepath.EvalSymlinks(abs); err == nil {
				if r, err := filepath.Rel(ro, ra); err == nil && (r == "." || !strings.HasPrefix(r, "..")) {
					return fmt.Errorf("web: -o %s holds the input %s %s (through a link): name another folder", out, flag, in)
				}
			}
		}
	}
	st, err := os.Stat(out)
	switch {
	case os.IsNotExist(err):
		if p, err := os.Stat(filepath.Dir(abs)); err != nil || !p.IsDir() {
			return fmt.Errorf("web: -o %s: its folder %s does not exist", out, filepath.Dir(abs))
		}
		return nil
	case err != nil:
		return fmt.Errorf("web: -o %s: %w", out, err)
	case !st.IsDir():
		return fmt.Errorf("web: -o %s is a file, not a folder: name a new folder for the site", out)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("web: -o %s: %w", out, err)
	}
	if len(ents) == 0 {
		return nil
	}
	var m manifest
	raw, err := os.ReadFile(filepath.Join(out, "site.json"))
	if err != nil || json.Unmarshal(raw, &m) != nil || m.Generator != generator {
		return fmt.Errorf("web: -o %s is a folder that kenn web did not write (no site.json of kenn web): refusing to replace it; name a new or empty folder", out)
	}
	return nil
}

// writeSite writes files and the onnxruntime-web files into a new folder
// beside out, then renames it to out (an old site moved aside first and
// removed after).
func writeSite(out string, files map[string][]byte, ortDist string, site *Site) (err error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	parent, name := filepath.Dir(abs), filepath.Base(abs)
	tmp, err := os.MkdirTemp(parent, "."+name+".kenn-web-")
	if err != nil {
		return fmt.Errorf("web: -o %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("web: %w", err)
	}
	write := func(rel string, r io.Reader) error {
		p := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		n, err := io.Copy(f, r)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		site.Files = append(site.Files, rel)
		site.Size += n
		return err
	}
	for rel, b := range files {
		if err := write(rel, strings.NewReader(string(b))); err != nil {
			return fmt.Errorf("web: %s: %w", rel, err)
		}
	}
	for _, f := range OrtFiles {
		src, err := os.Open(filepath.Join(ortDist, f))
		if err != nil {
			return fmt.Errorf("web: onnxruntime-web: %w", err)
		}
		err = write(filepath.Join("ort", f), src)
		src.Close()
		if err != nil {
			return fmt.Errorf("web: ort/%s: %w", f, err)
		}
	}
	sort.Strings(site.Files)
	if _, serr := os.Stat(abs); serr == nil {
		old, err := os.MkdirTemp(parent, "."+name+".kenn-web-old-")
		if err != nil {
			return fmt.Errorf("web: %w", err)
		}
		os.Remove(old)
		if err := os.Rename(abs, old); err != nil {
			return fmt.Errorf("web: moving the old site %s aside: %w", out, err)
		}
		if err := os.Rename(tmp, abs); err != nil {
			os.Rename(old, abs)
			return fmt.Errorf("web: -o %s: %w", out, err)
		}
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("web: removing the old site (now %s): %w", old, err)
		}
		return nil
	}
	if err := os.Rename(tmp, abs); err != nil {
		return fmt.Errorf("web: -o %s: %w", out, err)
	}
	return nil
}
