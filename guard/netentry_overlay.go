//go:build bigfoot_overlay

package guard

// This file is compiled with the bigfoot_overlay build tag, with the
// overlay that adds the hooks of netentry.go to package net (the table
// netEntryPatches in cmd/bigfoot). Keep it in step with netentry_plain.go:
// a test in this package compares their declarations, and one in
// cmd/bigfoot checks the links against the table.

import (
	"context"
	"net"
	"net/netip"
	_ "unsafe" // for go:linkname
)

// setDialTCPHook sets the hook consulted first thing in
// net's dialTCP, behind net.DialTCP and (*net.Dialer).DialTCP.
//
//go:linkname setDialTCPHook net.bigfootSetDialTCPHook
func setDialTCPHook(h func(ctx context.Context, viaDialer bool, network string, raddr *net.TCPAddr) error)

// setDialUDPHook sets the hook consulted first thing in
// net's dialUDP, behind net.DialUDP and (*net.Dialer).DialUDP.
//
//go:linkname setDialUDPHook net.bigfootSetDialUDPHook
func setDialUDPHook(h func(ctx context.Context, viaDialer bool, network string, raddr *net.UDPAddr) error)

// setDialIPHook sets the hook consulted first thing in
// net's dialIP, behind net.DialIP and (*net.Dialer).DialIP.
//
//go:linkname setDialIPHook net.bigfootSetDialIPHook
func setDialIPHook(h func(ctx context.Context, viaDialer bool, network string, raddr *net.IPAddr) error)

// setDialUnixHook sets the hook consulted first thing in
// net's dialUnix, behind net.DialUnix and (*net.Dialer).DialUnix.
//
//go:linkname setDialUnixHook net.bigfootSetDialUnixHook
func setDialUnixHook(h func(ctx context.Context, viaDialer bool, network string, raddr *net.UnixAddr) error)

// setUDPWriteToHook sets the hook consulted first thing in
// (*net.UDPConn).WriteTo.
//
//go:linkname setUDPWriteToHook net.bigfootSetUDPWriteToHook
func setUDPWriteToHook(h func(addr net.Addr) error)

// setUDPWriteToUDPHook sets the hook consulted first thing in
// (*net.UDPConn).WriteToUDP.
//
//go:linkname setUDPWriteToUDPHook net.bigfootSetUDPWriteToUDPHook
func setUDPWriteToUDPHook(h func(addr *net.UDPAddr) error)

// setUDPWriteToUDPAddrPortHook sets the hook consulted first thing in
// (*net.UDPConn).WriteToUDPAddrPort.
//
//go:linkname setUDPWriteToUDPAddrPortHook net.bigfootSetUDPWriteToUDPAddrPortHook
func setUDPWriteToUDPAddrPortHook(h func(addr netip.AddrPort) error)

// setUDPWriteMsgUDPHook sets the hook consulted first thing in
// (*net.UDPConn).WriteMsgUDP.
//
//go:linkname setUDPWriteMsgUDPHook net.bigfootSetUDPWriteMsgUDPHook
func setUDPWriteMsgUDPHook(h func(addr *net.UDPAddr) error)

// setUDPWriteMsgUDPAddrPortHook sets the hook consulted first thing in
// (*net.UDPConn).WriteMsgUDPAddrPort.
//
//go:linkname setUDPWriteMsgUDPAddrPortHook net.bigfootSetUDPWriteMsgUDPAddrPortHook
func setUDPWriteMsgUDPAddrPortHook(h func(addr netip.AddrPort) error)

// setListenMulticastUDPHook sets the hook consulted first thing in
// net.ListenMulticastUDP.
//
//go:linkname setListenMulticastUDPHook net.bigfootSetListenMulticastUDPHook
func setListenMulticastUDPHook(h func(network string, gaddr *net.UDPAddr) error)

// setIPWriteToHook sets the hook consulted first thing in
// (*net.IPConn).WriteTo.
//
//go:linkname setIPWriteToHook net.bigfootSetIPWriteToHook
func setIPWriteToHook(h func(addr net.Addr) error)

// setIPWriteToIPHook sets the hook consulted first thing in
// (*net.IPConn).WriteToIP.
//
//go:linkname setIPWriteToIPHook net.bigfootSetIPWriteToIPHook
func setIPWriteToIPHook(h func(addr *net.IPAddr) error)

// setIPWriteMsgIPHook sets the hook consulted first thing in
// (*net.IPConn).WriteMsgIP.
//
//go:linkname setIPWriteMsgIPHook net.bigfootSetIPWriteMsgIPHook
func setIPWriteMsgIPHook(h func(addr *net.IPAddr) error)

// setUnixWriteToHook sets the hook consulted first thing in
// (*net.UnixConn).WriteTo.
//
//go:linkname setUnixWriteToHook net.bigfootSetUnixWriteToHook
func setUnixWriteToHook(h func(addr net.Addr) error)

// setUnixWriteToUnixHook sets the hook consulted first thing in
// (*net.UnixConn).WriteToUnix.
//
//go:linkname setUnixWriteToUnixHook net.bigfootSetUnixWriteToUnixHook
func setUnixWriteToUnixHook(h func(addr *net.UnixAddr) error)

// setUnixWriteMsgUnixHook sets the hook consulted first thing in
// (*net.UnixConn).WriteMsgUnix.
//
//go:linkname setUnixWriteMsgUnixHook net.bigfootSetUnixWriteMsgUnixHook
func setUnixWriteMsgUnixHook(h func(addr *net.UnixAddr) error)
