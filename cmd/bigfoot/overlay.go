package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// generatorVersion is part of the cache key. Bump it when the generated
// files change in a way the other hash inputs do not capture.
const generatorVersion = "bigfoot-overlay-2"

// Names of the files in an overlay directory. overlay.json is written
// last, so its presence means the directory is complete.
const (
	overlayJSONName = "overlay.json"
	netDialName     = "net_dial.go"
	netHookDeclName = "net_bigfoot_dialhook.go"
)

// addedNetFile is the file the overlay adds to $GOROOT/src/net.
const addedNetFile = "bigfoot_dialhook.go"

// overlayInputs is everything an overlay depends on. The overlay touches
// only GOROOT: bigfoot's side of the link is selected by the build tag
// bigfoot_overlay, because the go command refuses overlays of files in
// the module cache, where users' copies of bigfoot live.
type overlayInputs struct {
	GoRoot    string // from go env GOROOT
	GoVersion string // from go env GOVERSION
	DialSrc   []byte // contents of $GOROOT/src/net/dial.go
}

// dialGoPath returns the path of net's dial.go under goroot.
func dialGoPath(goroot string) string {
	return filepath.Join(goroot, "src", "net", "dial.go")
}

// overlayJSON is the format the go command's -overlay flag reads.
type overlayJSON struct {
	Replace map[string]string
}

// overlayDir returns the cache directory for in under cacheRoot. The name
// starts with the Go version so people can tell the directories apart and
// delete stale ones.
func overlayDir(cacheRoot string, in overlayInputs) string {
	h := sha256.New()
	for _, part := range [][]byte{
		[]byte(generatorVersion),
		[]byte(in.GoRoot),
		in.DialSrc,
		// The generated code, so that editing it cannot reuse a stale
		// overlay even if generatorVersion is not bumped.
		[]byte(dialHookStmt),
		[]byte(hookDeclFile),
	} {
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

// buildOverlay makes sure the overlay for in exists under cacheRoot and
// returns the absolute path of its JSON file. An existing complete
// directory is reused as is: its file paths and contents never change, so
// the go build cache keeps the patched net package between runs.
func buildOverlay(cacheRoot string, in overlayInputs) (string, error) {
	root, err := filepath.Abs(cacheRoot)
	if err != nil {
		return "", err
	}
	dir := overlayDir(root, in)
	jsonPath := filepath.Join(dir, overlayJSONName)
	if complete(dir) {
		return jsonPath, nil
	}

	dialPath := dialGoPath(in.GoRoot)
	patched, err := patchDialGo(dialPath, in.DialSrc, in.GoVersion)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("bigfoot: creating overlay directory: %w", err)
	}
	ov := overlayJSON{Replace: map[string]string{
		dialPath: filepath.Join(dir, netDialName),
		filepath.Join(filepath.Dir(dialPath), addedNetFile): filepath.Join(dir, netHookDeclName),
	}}
	js, err := json.MarshalIndent(ov, "", "\t")
	if err != nil {
		return "", err
	}
	// Concurrent runs write identical bytes, so whichever rename lands last
	// wins harmlessly; readers only ever see whole files.
	for _, f := range []struct {
		name string
		data []byte
	}{
		{netDialName, patched},
		{netHookDeclName, []byte(hookDeclFile)},
		{overlayJSONName, append(js, '\n')},
	} {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return "", fmt.Errorf("bigfoot: writing overlay: %w", err)
		}
	}
	return jsonPath, nil
}

// complete reports whether dir holds every file of an overlay.
func complete(dir string) bool {
	for _, name := range []string{overlayJSONName, netDialName, netHookDeclName} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
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

// readDialGo reads net's dial.go from goroot.
func readDialGo(goroot string) ([]byte, error) {
	src, err := os.ReadFile(dialGoPath(goroot))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("bigfoot: %s does not exist; is GOROOT=%s a complete Go installation?", dialGoPath(goroot), goroot)
	}
	return src, err
}
