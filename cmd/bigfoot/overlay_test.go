package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testInputs are overlay inputs for the installed Go and the real table.
func testInputs(t testing.TB) overlayInputs {
	t.Helper()
	goroot, version, srcs := installedSources(t)
	return overlayInputs{GoRoot: goroot, GoVersion: version, Patches: hookPatches, Sources: srcs}
}

// overlayNames are the files of the overlay directory for the real table.
var overlayNames = []string{
	"net_dial.go", "net_bigfoot_dialhook.go",
	"net_http_transport.go", "net_http_bigfoot_roundtriphook.go", "net_http_bigfoot_closeidlehook.go",
	// netEntryPatches (patch_netentry.go)
	"net_tcpsock.go", "net_udpsock.go", "net_iprawsock.go", "net_unixsock.go",
	"net_bigfoot_dialtcphook.go", "net_bigfoot_dialudphook.go", "net_bigfoot_dialiphook.go", "net_bigfoot_dialunixhook.go",
	"net_bigfoot_udpwritetohook.go", "net_bigfoot_udpwritetoudphook.go", "net_bigfoot_udpwritetoudpaddrporthook.go",
	"net_bigfoot_udpwritemsgudphook.go", "net_bigfoot_udpwritemsgudpaddrporthook.go", "net_bigfoot_listenmulticastudphook.go",
	"net_bigfoot_ipwritetohook.go", "net_bigfoot_ipwritetoiphook.go", "net_bigfoot_ipwritemsgiphook.go",
	"net_bigfoot_unixwritetohook.go", "net_bigfoot_unixwritetounixhook.go", "net_bigfoot_unixwritemsgunixhook.go",
	// lookups, processes and the default logger (patch.go, after the net/http entries)
	"net_lookup.go", "net_bigfoot_lookuphosthook.go", "net_bigfoot_lookupipaddrhook.go", "net_bigfoot_lookupcnamehook.go",
	"net_bigfoot_lookupsrvhook.go", "net_bigfoot_lookupmxhook.go", "net_bigfoot_lookupnshook.go", "net_bigfoot_lookuptxthook.go",
	"net_bigfoot_lookuptxtfunchook.go", "net_bigfoot_lookupaddrhook.go",
	"os_exec.go", "os_bigfoot_startprocesshook.go", "os_bigfoot_processwaithook.go", "os_bigfoot_processsignalhook.go",
	"os_exec_lookpath.go", "os_exec_bigfoot_lookpathhook.go",
	"log_slog_logger.go", "log_slog_bigfoot_defaultloggerhook.go",
	overlayJSONName,
}

// readOverlay reads and decodes the overlay file at path.
func readOverlay(t *testing.T, path string) overlayJSON {
	t.Helper()
	var ov overlayJSON
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ov); err != nil {
		t.Fatal(err)
	}
	return ov
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

	// Every entry's file is patched with that entry's statement (all of a
	// file's entries in one), and every entry adds its declaration file.
	ov := readOverlay(t, path)
	want := map[string]string{} // file under GOROOT -> name in dir
	for _, p := range in.Patches {
		want[srcPath(in.GoRoot, sourceKey(&p))] = cacheFileName(sourceKey(&p))
		want[filepath.Join(in.GoRoot, "src", filepath.FromSlash(p.Pkg), p.AddedFile)] = cacheFileName(p.Pkg + "/" + p.AddedFile)
	}
	if len(ov.Replace) != len(want) {
		t.Errorf("overlay replaces %d files, want %d: %v", len(ov.Replace), len(want), ov.Replace)
	}
	for from, name := range want {
		if to := ov.Replace[from]; to != filepath.Join(dir, name) {
			t.Errorf("overlay replaces %s by %q, want %s in the overlay directory", from, to, name)
		}
	}
	for _, p := range in.Patches {
		patched, err := os.ReadFile(ov.Replace[srcPath(in.GoRoot, sourceKey(&p))])
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(patched, []byte(p.Stmt)); n != 1 {
			t.Errorf("%s: patched file holds the statement %d times, want 1", p.funcName(), n)
		}
		added, err := os.ReadFile(ov.Replace[filepath.Join(in.GoRoot, "src", filepath.FromSlash(p.Pkg), p.AddedFile)])
		if err != nil {
			t.Fatal(err)
		}
		if string(added) != p.Decl {
			t.Errorf("%s: added file has unexpected contents:\n%s", p.funcName(), added)
		}
	}
	if got := dirNames(t, dir); !slices.Equal(got, sorted(overlayNames)) {
		t.Errorf("overlay directory holds %v, want %v", got, sorted(overlayNames))
	}

	// A second call reuses the directory without rewriting anything.
	before := stats(t, dir)
	path2, err := buildOverlay(root, in)
	if err != nil || path2 != path {
		t.Fatalf("second buildOverlay = %s, %v; want %s", path2, err, path)
	}
	for name, fi := range stats(t, dir) {
		if !os.SameFile(fi, before[name]) {
			t.Errorf("second buildOverlay rewrote %s", name)
		}
	}

	// Any change of input moves to another directory.
	changes := map[string]func(*overlayInputs){
		"GoRoot": func(in *overlayInputs) { in.GoRoot += "x" },
		"Stmt": func(in *overlayInputs) {
			in.Patches = slices.Clone(in.Patches)
			in.Patches[0].Stmt += "\n"
		},
	}
	for k := range in.Sources {
		changes["Sources "+k] = func(in *overlayInputs) {
			in.Sources = maps.Clone(in.Sources)
			in.Sources[k] = append(slices.Clone(in.Sources[k]), '\n')
		}
	}
	for name, change := range changes {
		in2 := in
		change(&in2)
		if overlayDir(root, in2) == dir {
			t.Errorf("changing %s keeps the overlay directory", name)
		}
	}
}

// TestBuildOverlayRepairsCache damages each file of a cached overlay in
// several ways and checks that the next buildOverlay puts back what it
// would generate, at the same path, and leaves the other files alone.
func TestBuildOverlayRepairsCache(t *testing.T) {
	root := t.TempDir()
	in := testInputs(t)
	path, err := buildOverlay(root, in)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	good := map[string][]byte{}
	for _, name := range overlayNames {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		good[name] = data
	}

	damages := map[string]func(name string) error{
		// Same length, so that a size check alone would not catch it.
		"edited": func(name string) error {
			data := slices.Clone(good[filepath.Base(name)])
			i := bytes.LastIndexByte(data, '}')
			data[i] = ')'
			return os.WriteFile(name, data, 0o644)
		},
		"hook removed": func(name string) error {
			data := good[filepath.Base(name)]
			for _, p := range in.Patches {
				data = bytes.Replace(data, []byte(p.Stmt), nil, 1)
			}
			return os.WriteFile(name, append(slices.Clone(data), "// padding\n"...), 0o644)
		},
		"truncated": func(name string) error { return os.WriteFile(name, good[filepath.Base(name)][:10], 0o644) },
		"empty":     func(name string) error { return os.WriteFile(name, nil, 0o644) },
		"removed":   os.Remove,
		// A link to the right contents is replaced too: it could be
		// pointed elsewhere between runs.
		"symlink": func(name string) error {
			other := filepath.Join(t.TempDir(), "copy")
			if err := os.WriteFile(other, good[filepath.Base(name)], 0o644); err != nil {
				return err
			}
			if err := os.Remove(name); err != nil {
				return err
			}
			return os.Symlink(other, name)
		},
	}
	for _, damage := range slices.Sorted(maps.Keys(damages)) {
		for _, name := range overlayNames {
			t.Run(damage+"/"+name, func(t *testing.T) {
				before := stats(t, dir)
				if err := damages[damage](filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
				path2, err := buildOverlay(root, in)
				if err != nil {
					t.Fatal(err)
				}
				if path2 != path {
					t.Errorf("buildOverlay moved the overlay from %s to %s", path, path2)
				}
				fi, err := os.Lstat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !fi.Mode().IsRegular() {
					t.Errorf("%s is %v after buildOverlay, want a regular file", name, fi.Mode())
				}
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, good[name]) {
					t.Errorf("%s was not restored; it holds:\n%s", name, got)
				}
				for other, fi := range stats(t, dir) {
					if other != name && !os.SameFile(fi, before[other]) {
						t.Errorf("%s was rewritten although only %s was damaged", other, name)
					}
				}
				if names := dirNames(t, dir); !slices.Equal(names, sorted(overlayNames)) {
					t.Errorf("overlay directory holds %v, want %v (no temporary files left)", names, sorted(overlayNames))
				}
			})
		}
	}
}

// TestBuildOverlaySeveralPatchesOfOneFile builds an overlay of a
// synthetic GOROOT whose table patches two functions of one file: the
// file appears once in the overlay with both statements, and each entry
// adds its own file.
func TestBuildOverlaySeveralPatchesOfOneFile(t *testing.T) {
	lookup, listen := lookupPatches()
	goroot := "/synthetic/goroot"
	in := overlayInputs{
		GoRoot: goroot, GoVersion: "go1.99.0",
		Patches: []hookPatch{lookup, listen},
		Sources: map[string][]byte{"net/lookup.go": []byte(lookupSrc)},
	}
	path, err := buildOverlay(t.TempDir(), in)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	ov := readOverlay(t, path)
	want := map[string]string{
		filepath.Join(goroot, "src", "net", "lookup.go"):             filepath.Join(dir, "net_lookup.go"),
		filepath.Join(goroot, "src", "net", "bigfoot_lookuphook.go"): filepath.Join(dir, "net_bigfoot_lookuphook.go"),
		filepath.Join(goroot, "src", "net", "bigfoot_listenhook.go"): filepath.Join(dir, "net_bigfoot_listenhook.go"),
	}
	if !maps.Equal(ov.Replace, want) {
		t.Errorf("overlay replaces %v, want %v", ov.Replace, want)
	}
	patched, err := os.ReadFile(filepath.Join(dir, "net_lookup.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range in.Patches {
		if n := bytes.Count(patched, []byte(p.Stmt)); n != 1 {
			t.Errorf("patched file holds the statement of %s %d times, want 1:\n%s", p.funcName(), n, patched)
		}
	}

	// Two entries whose files would share a name in the overlay directory
	// are refused rather than one overwriting the other.
	clash := listen
	clash.AddedFile = lookup.AddedFile
	in.Patches = []hookPatch{lookup, clash}
	if _, err := buildOverlay(t.TempDir(), in); err == nil || !strings.Contains(err.Error(), "two overlay files are named net_bigfoot_lookuphook.go") {
		t.Errorf("clashing added files: error %v", err)
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
	if names := dirNames(t, filepath.Dir(paths[0])); !slices.Equal(names, sorted(overlayNames)) {
		t.Errorf("overlay directory holds %v, want %v (no temporary files left)", names, sorted(overlayNames))
	}
}

func TestBuildOverlayPatchError(t *testing.T) {
	in := testInputs(t)
	in.Sources = maps.Clone(in.Sources)
	in.Sources["net/http/transport.go"] = []byte("package http\n")
	root := t.TempDir()
	_, err := buildOverlay(root, in)
	if err == nil || !strings.Contains(err.Error(), "net/http.(*Transport).roundTrip not found") {
		t.Errorf("buildOverlay error = %v, want the patch failure", err)
	}
	if _, err := os.Stat(filepath.Join(root, "overlay")); !os.IsNotExist(err) {
		t.Errorf("a failed buildOverlay left a directory behind (%v)", err)
	}
}

func TestReadSourcesMissing(t *testing.T) {
	goroot := t.TempDir()
	_, err := readSources(goroot, hookPatches)
	want := filepath.Join(goroot, "src", "net", "dial.go") + " does not exist; is GOROOT=" + goroot + " a complete Go installation?"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("readSources of an empty GOROOT: %v, want %q", err, want)
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

// dirNames lists dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// stats returns the Lstat of every file in dir by name, for os.SameFile.
func stats(t *testing.T, dir string) map[string]os.FileInfo {
	t.Helper()
	m := map[string]os.FileInfo{}
	for _, name := range dirNames(t, dir) {
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = fi
	}
	return m
}

// sorted returns a sorted copy of s.
func sorted(s []string) []string {
	return slices.Sorted(slices.Values(s))
}
