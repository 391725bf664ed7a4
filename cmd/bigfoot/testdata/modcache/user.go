// Package user is a scratch package for TestModuleCache: code with no
// seam, dialing with net.Dial, tested with bigfoot from the module cache.
package user

import (
	"bufio"
	"net"
)

// Ping sends "ping" to addr and returns the reply line.
func Ping(addr string) (string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}
