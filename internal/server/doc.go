// Package server assembles Portico's HTTP surfaces into one http.Handler and
// runs the http.Server life cycle; cli and end-to-end tests use it.
package server
