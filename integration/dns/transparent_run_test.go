//go:build !bigfoot_overlay

package dns

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestTransparentMode runs this package's transparent-mode tests
// (transparent_test.go, build tag bigfoot_overlay) under the bigfoot
// command, so that plain go test, which CI runs in this module, covers
// them too. The first run compiles the standard library with the overlay
// (a minute or so on an empty build cache).
func TestTransparentMode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "github.com/bigfoot-go/bigfoot/cmd/bigfoot", "test", "-count=1", "-v", ".")
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bigfoot test: %v\n%s", err, out)
	}
	for _, name := range []string{"TestNATSWithAHostName", "TestRedisWithAHostName", "TestRedisScriptedBySocket",
		"TestMiekgClientDialsANameServer", "TestGitWrapperWithNoSeam", "TestDefaultJSONLogger"} {
		if !strings.Contains(string(out), "--- PASS: "+name+" ") {
			t.Errorf("%s did not pass under the overlay:\n%s", name, out)
		}
	}
}
