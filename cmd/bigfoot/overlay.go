package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// generatorVersion is part of the cache key. Bump it when the generated
// files change in a way the other hash inputs do not capture.
const generatorVersion = "bigfoot-overlay-3"

// overlayJSONName is the name of the overlay file in an overlay
// directory. It is written last, so that a directory being filled for the
// first time is never handed to the go command half done.
const overlayJSONName = "overlay.json"

// overlayInputs is everything an overlay depends on. The overlay touches
// only GOROOT: bigfoot's side of each link is selected by the build tag
// bigfoot_overlay, because the go command refuses overlays of files in
// the module cache, where users' copies of bigfoot live.
type overlayInputs struct {
	GoRoot    string      // from go env GOROOT
	GoVersion string      // from go env GOVERSION
	Patches   []hookPatch // the table; hookPatches but in tests
	// Sources holds the contents of every file Patches patches, keyed by
	// its slash-separated path under $GOROOT/src ("net/dial.go").
	Sources map[string][]byte
}

// sourceKey is the key of p's file in overlayInputs.Sources.
func sourceKey(p *hookPatch) string { return p.Pkg + "/" + p.File }

// srcPath returns the path under goroot of the file whose slash-separated
// path under $GOROOT/src is rel.
func srcPath(goroot, rel string) string {
	return filepath.Join(goroot, "src", filepath.FromSlash(rel))
}

// cacheFileName is the name in the overlay directory of the file rel
// (slash-separated, under $GOROOT/src): "net/dial.go" is "net_dial.go".
// The names are flat so that the directory is easy to inspect.
func cacheFileName(rel string) string {
	return strings.ReplaceAll(rel, "/", "_")
}

// overlayJSON is the format the go command's -overlay flag reads.
type overlayJSON struct {
	Replace map[string]string
}

// overlayDir returns the cache directory for in under cacheRoot. The name
// starts with the Go version so people can tell the directories apart and
// delete stale ones.
func overlayDir(cacheRoot string, in overlayInputs) string {
	// The table, so that editing a statement or a declaration cannot reuse
	// a stale overlay even if generatorVersion is not bumped. Marshalling
	// a slice of structs of strings is deterministic.
	table, err := json.Marshal(in.Patches)
	if err != nil {
		panic(err) // cannot happen: only strings, bools and slices
	}
	parts := [][]byte{[]byte(generatorVersion), []byte(in.GoRoot), table}
	for _, key := range slices.Sorted(maps.Keys(in.Sources)) {
		parts = append(parts, []byte(key), in.Sources[key])
	}
	h := sha256.New()
	for _, part := range parts {
		// Length-prefixed so that adjacent inputs cannot run together.
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]
	return filepath.Join(cacheRoot, "overlay", safeName(in.GoVersion)+"-"+sum)
}

// safeName makes a Go version string such as "devel go1.27-abc Tue ..."
// usable as part of a directory name.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "unknown"
	}
	return s
}

// overlayFile is one file of an overlay directory.
type overlayFile struct {
	name string // in the overlay directory
	data []byte
}

// generateOverlay returns, in memory, every file of the overlay for in
// that lives in dir: for each file the table patches, the patched copy
// (all of its patches in one pass), for each entry the added declaration
// file, and last the overlay JSON naming them all. It is cheap (parsing
// and splicing a few files), which is what lets buildOverlay verify a
// cached directory on every run.
func generateOverlay(dir string, in overlayInputs) ([]overlayFile, error) {
	// Group the patches by file, files in the order the table first
	// names them.
	var keys []string
	byFile := map[string][]hookPatch{}
	for _, p := range in.Patches {
		k := sourceKey(&p)
		if _, ok := byFile[k]; !ok {
			keys = append(keys, k)
		}
		byFile[k] = append(byFile[k], p)
	}

	var files []overlayFile
	ov := overlayJSON{Replace: map[string]string{}}
	add := func(rel string, data []byte) error {
		name := cacheFileName(rel)
		for _, f := range files {
			if f.name == name {
				return fmt.Errorf("bigfoot: two overlay files are named %s (one for %s); fix the table of patches", name, rel)
			}
		}
		files = append(files, overlayFile{name, data})
		ov.Replace[srcPath(in.GoRoot, rel)] = filepath.Join(dir, name)
		return nil
	}
	for _, k := range keys {
		src, ok := in.Sources[k]
		if !ok {
			return nil, fmt.Errorf("bigfoot: no source for %s", k) // a caller's bug
		}
		patched, err := patchFile(srcPath(in.GoRoot, k), src, in.GoVersion, byFile[k])
		if err != nil {
			return nil, err
		}
		if err := add(k, patched); err != nil {
			return nil, err
		}
	}
	for _, p := range in.Patches {
		if err := add(p.Pkg+"/"+p.AddedFile, []byte(p.Decl)); err != nil {
			return nil, err
		}
	}
	js, err := json.MarshalIndent(ov, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(files, overlayFile{overlayJSONName, append(js, '\n')}), nil
}

// buildOverlay makes sure the overlay for in exists under cacheRoot and
// returns the absolute path of its JSON file. The directory depends only
// on in, so its path stays the same from run to run and the go build
// cache keeps the patched packages. Every run regenerates the files in
// memory and compares them with the cached ones, rewriting any that is
// missing or differs: a cached file someone edited, or one a crash left
// incomplete, is never compiled into the standard library.
func buildOverlay(cacheRoot string, in overlayInputs) (string, error) {
	root, err := filepath.Abs(cacheRoot)
	if err != nil {
		return "", err
	}
	dir := overlayDir(root, in)
	files, err := generateOverlay(dir, in)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("bigfoot: creating overlay directory: %w", err)
	}
	// Concurrent runs write identical bytes, so whichever rename lands last
	// wins harmlessly; readers only ever see whole files.
	for _, f := range files {
		name := filepath.Join(dir, f.name)
		if hasContents(name, f.data) {
			continue
		}
		if err := writeFileAtomic(name, f.data); err != nil {
			return "", fmt.Errorf("bigfoot: writing overlay: %w", err)
		}
	}
	return filepath.Join(dir, overlayJSONName), nil
}

// hasContents reports whether name is a regular file (not a symbolic
// link, which could later be pointed elsewhere) holding exactly data.
func hasContents(name string, data []byte) bool {
	fi, err := os.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return false
	}
	got, err := os.ReadFile(name)
	return err == nil && bytes.Equal(got, data)
}

// writeFileAtomic writes data to a temporary file in the same directory and
// renames it into place, so no reader sees a partly written file.
func writeFileAtomic(name string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// cacheRoot returns the directory under which overlays are kept.
// BIGFOOT_CACHE_DIR lets tests use a scratch directory.
func cacheRoot() (string, error) {
	if d := os.Getenv("BIGFOOT_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("bigfoot: no cache directory (set BIGFOOT_CACHE_DIR): %w", err)
	}
	return filepath.Join(d, "bigfoot-go"), nil
}

// readSources reads from goroot every file that the entries of patches
// patch, keyed as overlayInputs.Sources wants.
func readSources(goroot string, patches []hookPatch) (map[string][]byte, error) {
	srcs := map[string][]byte{}
	for _, p := range patches {
		k := sourceKey(&p)
		if _, ok := srcs[k]; ok {
			continue
		}
		name := srcPath(goroot, k)
		src, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("bigfoot: %s does not exist; is GOROOT=%s a complete Go installation?", name, goroot)
		}
		if err != nil {
			return nil, fmt.Errorf("bigfoot: %w", err)
		}
		srcs[k] = src
	}
	return srcs, nil
}
