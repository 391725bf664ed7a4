//go:build !linux

package bfexec

import (
	"errors"
	"syscall"
)

// Off Linux there is no native helper (it needs /proc and SO_PEERCRED):
// the test binary is the helper (helper.go).

func nativeHelperPath() string { return "" }

// The first byte of a helper's hello says which helper it is.
const (
	helloGo     = frameHello // the test binary: one socket, then frames
	helloNative = 'n'        // the native helper (Linux only)
)

// recvHello receives a helper's hello over fd: its kind and the
// descriptors it sent.
func recvHello(fd int) (byte, []int, error) {
	buf := make([]byte, 1)
	oob := make([]byte, syscall.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := syscall.Recvmsg(fd, buf, oob, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		if n == 0 {
			return 0, nil, errors.New("bigfoot: the exec helper ended before its hello")
		}
		msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return 0, nil, err
		}
		var fds []int
		for i := range msgs {
			if got, err := syscall.ParseUnixRights(&msgs[i]); err == nil {
				for _, f := range got {
					syscall.CloseOnExec(f)
				}
				fds = append(fds, got...)
			}
		}
		return buf[0], fds, nil
	}
}

// serveNative is never reached off Linux: no native helper runs.
func (s *seamCmd) serveNative(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}
