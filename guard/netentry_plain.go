//go:build !bigfoot_overlay

package guard

// This file is compiled without the bigfoot_overlay build tag (plain go
// build or go test); with it, netentry_overlay.go replaces it. Keep the two
// in step: a test in this package compares their declarations. Without the
// overlay package net has none of these hooks, so the setters do nothing.

import (
	"context"
	"net"
	"net/netip"
)

// setDialTCPHook sets the hook consulted first thing in
// net's dialTCP, behind net.DialTCP and (*net.Dialer).DialTCP.
func setDialTCPHook(h func(ctx context.Context, viaDialer bool, network string, raddr *net.TCPAddr) error) {
}

// setDialUDPHook sets the hook consulted first thing in
// net's dialUDP, behind net.DialUDP and (*net.Dialer).DialUDP.
func setDialUDPHook(h func(ctx context.Context, viaDialer bool, network string, raddr *net.UDPAddr) error) {
}

// setDialIPHook sets the hook consulted first thing in
// net's dialIP, behind net.DialIP and (*net.Dialer).DialIP.
func setDialIPHook(h func(ctx context.Context, viaDialer bool, network string, raddr *net.IPAddr) error) {
}

// setDialUnixHook sets the hook consulted first thing in
// net's dialUnix, behind net.DialUnix and (*net.Dialer).DialUnix.
func setDialUnixHook(h func(ctx context.Context, viaDialer bool, network string, raddr *net.UnixAddr) error) {
}

// setUDPWriteToHook sets the hook consulted first thing in
// (*net.UDPConn).WriteTo.
func setUDPWriteToHook(h func(addr net.Addr) error) {}

// setUDPWriteToUDPHook sets the hook consulted first thing in
// (*net.UDPConn).WriteToUDP.
func setUDPWriteToUDPHook(h func(addr *net.UDPAddr) error) {}

// setUDPWriteToUDPAddrPortHook sets the hook consulted first thing in
// (*net.UDPConn).WriteToUDPAddrPort.
func setUDPWriteToUDPAddrPortHook(h func(addr netip.AddrPort) error) {}

// setUDPWriteMsgUDPHook sets the hook consulted first thing in
// (*net.UDPConn).WriteMsgUDP.
func setUDPWriteMsgUDPHook(h func(addr *net.UDPAddr) error) {}

// setUDPWriteMsgUDPAddrPortHook sets the hook consulted first thing in
// (*net.UDPConn).WriteMsgUDPAddrPort.
func setUDPWriteMsgUDPAddrPortHook(h func(addr netip.AddrPort) error) {}

// setListenMulticastUDPHook sets the hook consulted first thing in
// net.ListenMulticastUDP.
func setListenMulticastUDPHook(h func(network string, gaddr *net.UDPAddr) error) {}

// setIPWriteToHook sets the hook consulted first thing in
// (*net.IPConn).WriteTo.
func setIPWriteToHook(h func(addr net.Addr) error) {}

// setIPWriteToIPHook sets the hook consulted first thing in
// (*net.IPConn).WriteToIP.
func setIPWriteToIPHook(h func(addr *net.IPAddr) error) {}

// setIPWriteMsgIPHook sets the hook consulted first thing in
// (*net.IPConn).WriteMsgIP.
func setIPWriteMsgIPHook(h func(addr *net.IPAddr) error) {}

// setUnixWriteToHook sets the hook consulted first thing in
// (*net.UnixConn).WriteTo.
func setUnixWriteToHook(h func(addr net.Addr) error) {}

// setUnixWriteToUnixHook sets the hook consulted first thing in
// (*net.UnixConn).WriteToUnix.
func setUnixWriteToUnixHook(h func(addr *net.UnixAddr) error) {}

// setUnixWriteMsgUnixHook sets the hook consulted first thing in
// (*net.UnixConn).WriteMsgUnix.
func setUnixWriteMsgUnixHook(h func(addr *net.UnixAddr) error) {}
