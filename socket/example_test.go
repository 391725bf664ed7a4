package socket_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/socket"
)

// Manual use: the socket plugin of a verifier made without a test. Each
// verifier has at most one; a second NewPlugin fails with ErrPluginExists.
func ExampleNewPlugin() {
	verifier := bigfoot.NewStrictVerifier()
	sock, err := socket.NewPlugin(verifier)
	fmt.Println("first plugin:", err)
	_, err = socket.NewPlugin(verifier)
	fmt.Println("second plugin is ErrPluginExists:", errors.Is(err, bigfoot.ErrPluginExists))

	sock.NewSession().
		Expect("connect", nil).
		Expect("send", 5).
		Expect("recv", []byte("reply")).
		Expect("close", nil)

	verifier.Sandbox(func() {
		conn, err := sock.Dial("tcp", "127.0.0.1:8080")
		if err != nil {
			fmt.Println(err)
			return
		}
		n, err := conn.Write([]byte("hello"))
		fmt.Println("wrote", n, err)
		buf := make([]byte, 1024)
		n, err = conn.Read(buf)
		fmt.Printf("read %q %v\n", buf[:n], err)
		fmt.Println("close", conn.Close())
	})

	fmt.Println(errors.Join(
		sock.AssertConnect("127.0.0.1", 8080),
		sock.AssertSend([]byte("hello")),
		sock.AssertRecv(1024, []byte("reply")),
		sock.AssertClose(),
	))
	fmt.Println("VerifyAll:", verifier.VerifyAll())
	// Output:
	// first plugin: <nil>
	// second plugin is ErrPluginExists: true
	// wrote 5 <nil>
	// read "reply" <nil>
	// close <nil>
	// <nil>
	// VerifyAll: <nil>
}

// An empty recv is the peer closing the connection: Read returns 0, io.EOF.
// io.ReadAll reads into the free part of a 512-byte buffer, so the second
// Read is given 509 bytes, and the assertions say so.
func ExamplePlugin_Dial() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("recv", []byte("bye")).
		Expect("recv", []byte{}).
		Expect("close", nil)

	bf.Sandbox(func() {
		conn, err := bf.Socket().Dial("tcp", "127.0.0.1:9999")
		if err != nil {
			fmt.Println(err)
			return
		}
		data, err := io.ReadAll(conn)
		fmt.Printf("%q %v\n", data, err)
		conn.Close()
	})

	fmt.Println(errors.Join(
		bf.Socket().AssertConnect("127.0.0.1", 9999),
		bf.Socket().AssertRecv(512, []byte("bye")),
		bf.Socket().AssertRecv(509, []byte{}),
		bf.Socket().AssertClose(),
	))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// "bye" <nil>
	// <nil>
	// VerifyAll: <nil>
}

// DialContext plugs the plugin into anything that takes a dial function
// (http.Transport.DialContext, say). A context that is already done fails
// the dial as a real one would, and takes no scripted step.
func ExamplePlugin_DialContext() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("close", nil)

	bf.Sandbox(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := bf.Socket().DialContext(ctx, "tcp", "db.internal:5432")
		fmt.Println("canceled:", err)

		conn, err := bf.Socket().DialContext(context.Background(), "tcp", "db.internal:5432")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("remote:", conn.RemoteAddr())
		conn.Close()
	})

	fmt.Println(errors.Join(
		bf.Socket().AssertConnect("db.internal", 5432),
		bf.Socket().AssertClose(),
	))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// canceled: dial tcp: context canceled
	// remote: db.internal:5432
	// <nil>
	// VerifyAll: <nil>
}

// One scripted recv answers one Read. Scripted data longer than the Read's
// buffer is an error that says how to split the step; nothing is truncated.
func ExampleShortBufferError() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("recv", []byte("hello")).
		Expect("close", nil)

	var err error
	bf.Sandbox(func() {
		conn, _ := bf.Socket().Dial("tcp", "127.0.0.1:9999")
		_, err = conn.Read(make([]byte, 4))
		conn.Close()
	})

	var short *socket.ShortBufferError
	fmt.Println(errors.As(err, &short), short.Size, len(short.Data))
	fmt.Println("is io.ErrShortBuffer:", errors.Is(err, io.ErrShortBuffer))
	_, fix, _ := strings.Cut(err.Error(), "fix: ")
	fmt.Println(fix)
	// Output:
	// true 4 5
	// is io.ErrShortBuffer: true
	// split the step into reads that fit the buffer:
	// 	Expect("recv", []byte("hell")).
	// 	Expect("recv", []byte("o"))
}

// The plugin never resolves host names: the recorded host is the address as
// given, and a connection dialed by name has a *socket.Addr as its remote
// address (one dialed by IP has a *net.TCPAddr).
func ExampleAddr() {
	bf := bigfoot.NewStrictVerifier()
	for range 2 {
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("close", nil)
	}
	bf.Sandbox(func() {
		for _, addr := range []string{"monitoring.internal:5000", "10.0.0.7:5000"} {
			conn, err := bf.Socket().Dial("tcp", addr)
			if err != nil {
				fmt.Println(err)
				return
			}
			_, byName := conn.RemoteAddr().(*socket.Addr)
			_, byIP := conn.RemoteAddr().(*net.TCPAddr)
			fmt.Println(conn.RemoteAddr(), byName, byIP)
			conn.Close()
		}
	})
	fmt.Println(errors.Join(
		bf.Socket().AssertConnect("monitoring.internal", 5000),
		bf.Socket().AssertClose(),
		bf.Socket().AssertConnect("10.0.0.7", 5000),
		bf.Socket().AssertClose(),
	))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// monitoring.internal:5000 true false
	// 10.0.0.7:5000 false true
	// <nil>
	// VerifyAll: <nil>
}
