// Package weathermock holds the mock of weather.Provider that
// `bigfoot mock` generated (see the go:generate line in package weather);
// cmd/bigfoot's tests regenerate it and fail if it differs.
package weathermock
