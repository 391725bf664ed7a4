//go:build bigfoot_overlay

package guard

const builtWithOverlayTag = true
