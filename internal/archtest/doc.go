// Package archtest holds the test that keeps Portico's package dependencies
// in the shape DESIGN.md describes; it has no production code.
package archtest
