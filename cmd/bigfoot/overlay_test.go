package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testInputs are overlay inputs for the installed Go.
func testInputs(t *testing.T) overlayInputs {
	t.Helper()
	path, src, version := installedDialGo(t)
	return overlayInputs{
		GoRoot:    filepath.Dir(filepath.Dir(filepath.Dir(path))),
		GoVersion: version,
		DialSrc:   src,
	}
}

func TestBuildOverlay(t *testing.T) {
	root := t.TempDir()
	in := testInputs(t)
	path, err := buildOverlay(root, in)
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(path) || filepath.Base(path) != overlayJSONName {
		t.Errorf("overlay path %s, want an absolute path to %s", path, overlayJSONName)
	}
	dir := filepath.Dir(path)
	if got, wantPrefix := filepath.Base(dir), safeName(in.GoVersion)+"-"; !strings.HasPrefix(got, wantPrefix) {
		t.Errorf("overlay directory %s does not start with %s", got, wantPrefix)
	}

	var ov overlayJSON
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ov); err != nil {
		t.Fatal(err)
	}
	dialPath := dialGoPath(in.GoRoot)
	want := map[string][]byte{
		dialPath: nil, // checked below
		filepath.Join(in.GoRoot, "src", "net", addedNetFile): []byte(hookDeclFile),
	}
	if len(ov.Replace) != len(want) {
		t.Errorf("overlay replaces %d files, want %d: %v", len(ov.Replace), len(want), ov.Replace)
	}
	for from, content := range want {
		to, ok := ov.Replace[from]
		if !ok {
			t.Errorf("overlay does not replace %s", from)
			continue
		}
		if filepath.Dir(to) != dir {
			t.Errorf("%s is replaced by %s, outside the overlay directory", from, to)
		}
		got, err := os.ReadFile(to)
		if err != nil {
			t.Fatal(err)
		}
		if from == dialPath {
			if !bytes.Contains(got, []byte(dialHookStmt)) {
				t.Errorf("%s is not patched", to)
			}
			continue
		}
		if !bytes.Equal(got, content) {
			t.Errorf("%s has unexpected contents", to)
		}
	}

	// A second call reuses the directory without rewriting it.
	fi1, _ := os.Stat(filepath.Join(dir, netDialName))
	path2, err := buildOverlay(root, in)
	if err != nil || path2 != path {
		t.Fatalf("second buildOverlay = %s, %v; want %s", path2, err, path)
	}
	fi2, _ := os.Stat(filepath.Join(dir, netDialName))
	if !os.SameFile(fi1, fi2) {
		t.Error("second buildOverlay rewrote the patched dial.go")
	}

	// A directory missing a file is completed.
	os.Remove(filepath.Join(dir, netHookDeclName))
	if _, err := buildOverlay(root, in); err != nil {
		t.Fatal(err)
	}
	if !complete(dir) {
		t.Error("buildOverlay did not repair an incomplete directory")
	}

	// Any change of input moves to another directory.
	for name, change := range map[string]func(*overlayInputs){
		"GoRoot":  func(in *overlayInputs) { in.GoRoot += "x" },
		"DialSrc": func(in *overlayInputs) { in.DialSrc = append(slices.Clone(in.DialSrc), '\n') },
	} {
		in2 := in
		change(&in2)
		if overlayDir(root, in2) == dir {
			t.Errorf("changing %s keeps the overlay directory", name)
		}
	}
}

func TestBuildOverlayConcurrent(t *testing.T) {
	root := t.TempDir()
	in := testInputs(t)
	const n = 8
	paths := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = buildOverlay(root, in)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if paths[i] != paths[0] {
			t.Errorf("concurrent calls returned %s and %s", paths[0], paths[i])
		}
	}
	entries, err := os.ReadDir(filepath.Dir(paths[0]))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{netHookDeclName, netDialName, overlayJSONName}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("overlay directory holds %v, want %v (no temporary files left)", names, want)
	}
}

func TestBuildOverlayPatchError(t *testing.T) {
	in := testInputs(t)
	in.DialSrc = []byte("package net\n")
	_, err := buildOverlay(t.TempDir(), in)
	if err == nil || !strings.Contains(err.Error(), "net.(*Dialer).DialContext not found") {
		t.Errorf("buildOverlay error = %v, want the patch failure", err)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"go1.26.8":                       "go1.26.8",
		"devel go1.27-abc Tue Jan 1 UTC": "devel_go1.27-abc_Tue_Jan_1_UTC",
		"":                               "unknown",
		"go1.26.8 X:nocoverageredesign":  "go1.26.8_X_nocoverageredesign",
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}
