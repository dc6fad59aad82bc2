// Package storetest is the conformance suite every store.Store backend must pass.
package storetest
