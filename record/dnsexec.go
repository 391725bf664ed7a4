package record

import (
	"strconv"
	"strings"
)

// decodeLookups turns each lookup into a call of the DNS plugin: the
// Expect of its kind with the answer as recorded, and its assertion.
func decodeLookups(ls []Lookup) []Call {
	imports := []string{"github.com/bigfoot-go/bigfoot", "net"}
	var calls []Call
	for i := range ls {
		l := &ls[i]
		fields := []Field{{Name: "name", Raw: l.Name, Go: strconv.Quote(l.Name)}}
		if l.Kind == "srv" {
			fields = append(fields, Field{Name: "service", Raw: l.Service, Go: strconv.Quote(l.Service)}, Field{Name: "proto", Raw: l.Proto, Go: strconv.Quote(l.Proto)})
		}
		calls = append(calls, Call{Seq: l.Seq, Plugin: "dns", Imports: imports, Fields: fields,
			Render: func(bf string, x []string) (string, string) {
				dns := bf + ".DNS()."
				opt := ""
				if l.Err != "" {
					opt = ", bigfoot.Raises(&net.DNSError{Err: " + strconv.Quote(dnsErrText(l)) + ", Name: " + x[0] + ", IsNotFound: " + strconv.FormatBool(l.NotFound) + "})"
				}
				switch l.Kind {
				case "cname":
					return dns + "ExpectCNAME(" + x[0] + ", " + strconv.Quote(l.CNAME) + opt + ")", dns + "AssertCNAME(" + x[0] + ")"
				case "srv":
					var srvs []string
					for _, s := range l.SRV {
						srvs = append(srvs, "{Target: "+strconv.Quote(s.Target)+", Port: "+strconv.Itoa(int(s.Port))+", Priority: "+strconv.Itoa(int(s.Priority))+", Weight: "+strconv.Itoa(int(s.Weight))+"}")
					}
					return dns + "ExpectSRV(" + x[1] + ", " + x[2] + ", " + x[0] + ", []*net.SRV{" + strings.Join(srvs, ", ") + "}" + opt + ")", dns + "AssertSRV(" + x[1] + ", " + x[2] + ", " + x[0] + ")"
				case "mx":
					var mxs []string
					for _, m := range l.MX {
						mxs = append(mxs, "{Host: "+strconv.Quote(m.Host)+", Pref: "+strconv.Itoa(int(m.Pref))+"}")
					}
					return dns + "ExpectMX(" + x[0] + ", []*net.MX{" + strings.Join(mxs, ", ") + "}" + opt + ")", dns + "AssertMX(" + x[0] + ")"
				case "ns":
					var ns []string
					for _, h := range l.Hosts {
						ns = append(ns, "{Host: "+strconv.Quote(h)+"}")
					}
					return dns + "ExpectNS(" + x[0] + ", []*net.NS{" + strings.Join(ns, ", ") + "}" + opt + ")", dns + "AssertNS(" + x[0] + ")"
				case "txt":
					return dns + "ExpectTXT(" + x[0] + ", " + goStringsOrNil(l.Hosts) + opt + ")", dns + "AssertTXT(" + x[0] + ")"
				case "addr":
					return dns + "ExpectAddr(" + x[0] + ", " + goStringsOrNil(l.Hosts) + opt + ")", dns + "AssertAddr(" + x[0] + ")"
				}
				return dns + "ExpectLookup(" + x[0] + ", " + goStringsOrNil(l.Addrs) + opt + ")", dns + "AssertLookup(" + x[0] + ")"
			}})
	}
	return calls
}

// dnsErrText is the Err of a recorded lookup's *net.DNSError: the text
// before the name, as net formats "lookup NAME: ERR" (or on SERVER).
func dnsErrText(l *Lookup) string {
	if i := strings.LastIndex(l.Err, ": "); i >= 0 {
		return l.Err[i+2:]
	}
	return l.Err
}

func goStringsOrNil(vs []string) string {
	if vs == nil {
		return "nil"
	}
	return goStrings(vs)
}

// decodeCommands turns each process into a call of the exec plugin: an
// Expect with its output and exit code, and an AssertRun with its argv,
// directory and standard input.
func decodeCommands(cs []Command) []Call {
	imports := []string{"github.com/bigfoot-go/bigfoot/bfexec"}
	var calls []Call
	for i := range cs {
		c := &cs[i]
		fields := []Field{{Name: "argv", Raw: strings.Join(c.Args, "\x00"), Go: goStrings(c.Args)},
			{Name: "dir", Raw: c.Dir, Go: strconv.Quote(c.Dir)},
			{Name: "stdin", Raw: string(c.Stdin), Go: bytesOrNil(c.Stdin)}}
		calls = append(calls, Call{Seq: c.Seq, Plugin: "exec", Imports: imports, Fields: fields,
			Render: func(bf string, x []string) (string, string) {
				var parts []string
				if c.Stdout != nil {
					parts = append(parts, "Stdout: "+GoBytes(c.Stdout))
				}
				if c.Stderr != nil {
					parts = append(parts, "Stderr: "+GoBytes(c.Stderr))
				}
				if c.ExitCode != 0 {
					parts = append(parts, "ExitCode: "+strconv.Itoa(c.ExitCode))
				}
				return bf + ".Exec().Expect(" + x[0] + ", bfexec.Result{" + strings.Join(parts, ", ") + "})",
					bf + ".Exec().AssertRun(" + x[0] + ", " + x[1] + ", " + x[2] + ")"
			}})
	}
	return calls
}

func bytesOrNil(b []byte) string {
	if len(b) == 0 {
		return "nil"
	}
	return GoBytes(b)
}
