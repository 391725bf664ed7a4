package transparent

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Healthy reports whether the service at baseURL answers its health check
// with 200 and a body of "ok".
func Healthy(baseURL string) (bool, error) {
	resp, err := http.Get(baseURL + "/healthz")
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return false, err
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("health check: %s", resp.Status)
	}
	return strings.TrimSpace(string(body)) == "ok", nil
}
