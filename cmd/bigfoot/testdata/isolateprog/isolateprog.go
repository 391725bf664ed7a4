// Package isolateprog is what TestIsolate runs under bigfoot test
// -isolate: its tests reach out from under the firewall (a raw syscall, a
// child process) and check that the network namespace stops them.
package isolateprog
