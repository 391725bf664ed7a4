//go:build bigfoot_overlay

package netdialhook

const builtWithOverlayTag = true
