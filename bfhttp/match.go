package bfhttp

import (
	"net/url"
	"strings"
)

// Matching. A request takes the first unused scripted response whose
// method and URL match it. Both sides are reduced to one canonical key, so
// the lookup is a single map access (core.Queue's exact keys):
//
//	GET https://api.example.com:443/users/1?a=1&b=2
//
// The scheme and host are lower-cased, a missing port becomes the
// scheme's default (80 for http, 443 for https), an empty path is "/", the
// query is the parsed values re-encoded with their keys sorted (values of
// one key keep their order, as url.Values holds them), and the fragment
// and user info, which are not part of what the server is asked, are left
// out. The method is compared as written: HTTP methods are case-sensitive.

// appendRequestKey appends the canonical key of method and u to dst, and
// reports whether u's query parsed (a query that does not parse is kept as
// written, so it matches only an Expect with the same text).
func appendRequestKey(dst []byte, method string, u *url.URL) ([]byte, bool) {
	scheme := lowerASCII(u.Scheme)
	host, port := splitHostPort(u.Host)
	host = lowerASCII(host)
	if port == "" {
		port = defaultPort(scheme)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	query, ok := canonicalQuery(u.RawQuery)
	return appendKey(dst, method, scheme, host, port, path, query), ok
}

// appendKey appends the key "METHOD scheme://host:port/path?query".
func appendKey(dst []byte, method, scheme, host, port, path, query string) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, scheme...)
	dst = append(dst, "://"...)
	dst = append(dst, host...)
	dst = append(dst, ':')
	dst = append(dst, port...)
	dst = append(dst, path...)
	if query != "" {
		dst = append(dst, '?')
		dst = append(dst, query...)
	}
	return dst
}

// lowerASCII is strings.ToLower with a quick return for the common case,
// a string with no upper-case ASCII letter.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// splitHostPort splits a URL's host[:port], IPv6 literals in brackets.
func splitHostPort(hostport string) (host, port string) {
	colon := strings.LastIndexByte(hostport, ':')
	if colon < 0 || colon < strings.LastIndexByte(hostport, ']') {
		return hostport, ""
	}
	return hostport[:colon], hostport[colon+1:]
}

func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// canonicalQuery returns raw as url.Values.Encode would write its parsed
// values. A query that is already in that form (the common case: keys in
// order, nothing to unescape) is returned as it is, without parsing.
func canonicalQuery(raw string) (string, bool) {
	if raw == "" || isCanonicalQuery(raw) {
		return raw, true
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return "\x00" + raw, false // never equal to a canonical query
	}
	return values.Encode(), true
}

// isCanonicalQuery reports whether raw is exactly what url.Values.Encode
// writes for its parsed values: pairs of key=value, keys in non-decreasing
// order, every byte one that QueryEscape leaves alone or an upper-case %XX
// escape of a byte it escapes.
func isCanonicalQuery(raw string) bool {
	prevKey := ""
	for pair := range strings.SplitSeq(raw, "&") {
		eq := strings.IndexByte(pair, '=')
		if eq <= 0 {
			return false // "a" parses as "a=", and "" is dropped: not as written
		}
		k, val := pair[:eq], pair[eq+1:]
		if !isCanonicalComponent(k) || !isCanonicalComponent(val) || k < prevKey {
			return false
		}
		prevKey = k
	}
	return true
}

func isCanonicalComponent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isUnreserved(c) || c == '+':
		case c == '%':
			if i+2 >= len(s) || !isUpperHex(s[i+1]) || !isUpperHex(s[i+2]) {
				return false
			}
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(d) || d == ' ' {
				return false // Encode writes it as itself, or as '+'
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}

// appendFastKey is appendRequestKey of url.Parse(raw) for the URLs tests
// mostly script, computed without parsing into a *url.URL: http or https
// in lower case, a host name of lower-case letters, digits, dots and
// dashes with an optional numeric port, a path of characters that need no
// escaping, and a query of printable ASCII. Anything else reports false,
// and the caller parses.
func appendFastKey(dst []byte, method, raw string) ([]byte, bool) {
	var scheme, rest string
	switch {
	case strings.HasPrefix(raw, "https://"):
		scheme, rest = "https", raw[len("https://"):]
	case strings.HasPrefix(raw, "http://"):
		scheme, rest = "http", raw[len("http://"):]
	default:
		return nil, false
	}
	end := len(rest)
	for i := 0; i < len(rest); i++ {
		// strings.IndexAny(rest, "/?"), without building its set per call.
		if c := rest[i]; c == '/' || c == '?' {
			end = i
			break
		}
	}
	host, port := splitHostPort(rest[:end])
	if host == "" || !isPlainHost(host) || !isDigits(port) {
		return nil, false
	}
	if port == "" {
		port = defaultPort(scheme)
	}
	rest = rest[end:]
	path, query, _ := strings.Cut(rest, "?")
	if !isPlainPath(path) || !isPlainQuery(query) {
		return nil, false
	}
	if path == "" {
		path = "/"
	}
	query, ok := canonicalQuery(query)
	if !ok {
		return nil, false // the caller reports it
	}
	return appendKey(dst, method, scheme, host, port, path, query), true
}

func isPlainHost(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isPlainPath reports whether s is a path that url.Parse keeps as it is
// and EscapedPath returns unchanged.
func isPlainPath(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainPathByte[s[i]] {
			return false
		}
	}
	return true
}

// plainPathByte holds the bytes isPlainPath accepts: the unreserved ones
// and "/$&+,:;=@", which EscapedPath leaves as they are. A table, since
// every request's path and every script's URL is scanned byte by byte.
var plainPathByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isUnreserved(byte(c)) || strings.IndexByte("/$&+,:;=@", byte(c)) >= 0
	}
	return t
}()

func isPlainQuery(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	return true
}
