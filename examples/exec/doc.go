// Package tools is production-style code that runs commands, and its
// tests with bigfoot's process plugin:
//
//   - release.go: Tag, which runs git through the command function it is
//     given (the seam, exec.Command's signature); release_test.go scripts
//     git, including a failing push and the message it feeds on stdin.
//   - version.go: GoVersion, which calls exec.Command itself (no seam);
//     version_test.go answers it under `bigfoot test` (transparent mode).
package tools
