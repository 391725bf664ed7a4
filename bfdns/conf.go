package bfdns

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The parts of the resolver configuration the plugin needs to answer as
// the Go resolver asks: the search list and ndots, which make one lookup
// of "db" a query for "db.corp.example." and then one for "db.", and the
// first name server, which real lookup errors name. They are read from
// /etc/resolv.conf as package net reads them, and re-read at most every
// five seconds, as net does.

type resolvConf struct {
	search []string // rooted suffixes, "corp.example."
	ndots  int
	server string // "10.0.0.53:53"
}

var confCache struct {
	mu   sync.Mutex // guards conf and read
	conf *resolvConf
	read time.Time
}

// confPath is the file read; a variable so that tests can point it elsewhere.
var confPath = "/etc/resolv.conf"

func systemConf() *resolvConf {
	confCache.mu.Lock()
	defer confCache.mu.Unlock()
	if confCache.conf == nil || time.Since(confCache.read) > 5*time.Second {
		confCache.conf = readResolvConf(confPath)
		confCache.read = time.Now()
	}
	return confCache.conf
}

func readResolvConf(path string) *resolvConf {
	c := &resolvConf{ndots: 1}
	var servers []string
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.IndexAny(line, "#;"); i >= 0 {
				line = line[:i]
			}
			fields := strings.Fields(line)
			if len(fields) < 1 {
				continue
			}
			switch fields[0] {
			case "nameserver":
				if len(fields) > 1 && len(servers) < 3 {
					if ip := net.ParseIP(fields[1]); ip != nil {
						servers = append(servers, net.JoinHostPort(fields[1], "53"))
					}
				}
			case "domain":
				if len(fields) > 1 {
					c.search = []string{rooted(fields[1])}
				}
			case "search":
				c.search = nil
				for _, s := range fields[1:] {
					if s == "." {
						continue
					}
					c.search = append(c.search, rooted(s))
				}
			case "options":
				for _, o := range fields[1:] {
					if v, ok := strings.CutPrefix(o, "ndots:"); ok {
						if n, err := strconv.Atoi(v); err == nil {
							c.ndots = min(max(n, 0), 15)
						}
					}
				}
			}
		}
		f.Close()
	}
	if len(servers) == 0 {
		servers = []string{"127.0.0.1:53"}
	}
	c.server = servers[0]
	if len(c.search) == 0 {
		if hn, err := os.Hostname(); err == nil {
			if i := strings.IndexByte(hn, '.'); i >= 0 && i < len(hn)-1 {
				c.search = []string{rooted(hn[i+1:])}
			}
		}
	}
	return c
}

func rooted(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// nameList returns the rooted names the Go resolver queries, in order,
// for a lookup of name (as net's dnsConfig.nameList does).
func (c *resolvConf) nameList(name string) []string {
	if name == "" || len(name) > 254 || len(name) == 254 && !strings.HasSuffix(name, ".") {
		return nil
	}
	if strings.HasSuffix(name, ".") {
		if avoidDNS(name) {
			return nil
		}
		return []string{name}
	}
	hasNdots := strings.Count(name, ".") >= c.ndots
	name += "."
	var names []string
	if hasNdots && !avoidDNS(name) {
		names = append(names, name)
	}
	for _, s := range c.search {
		if fqdn := name + s; !avoidDNS(fqdn) && len(fqdn) <= 254 {
			names = append(names, fqdn)
		}
	}
	if !hasNdots && !avoidDNS(name) {
		names = append(names, name)
	}
	return names
}

// avoidDNS reports whether net never sends name to DNS (RFC 7686: .onion).
func avoidDNS(name string) bool {
	name = strings.TrimSuffix(name, ".")
	return strings.HasSuffix(strings.ToLower(name), ".onion") || strings.EqualFold(name, "onion")
}

// normalize returns the key form of a name: lower case, no trailing dot.
func normalize(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}
