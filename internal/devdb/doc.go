// Package devdb provides a throwaway PostgreSQL server for development runs
// and tests.
//
// With DATABASE_URL set, that server is used. Otherwise [Ensure] starts (or
// reuses) a private cluster built with Debian's initdb and pg_ctl under the
// system temp directory, listening on a unix socket only; when the binaries
// are missing and the process runs as root it installs Debian's postgresql
// package first, and likewise PostGIS (postgresql-<major>-postgis-3, which
// the territory and culture schemas need), after an apt-get update; not as
// root, it says which package to install. PostgreSQL refuses to run as root, so as root the cluster
// runs as the postgres system user the package creates.
//
// Tests call [NewTestDB]: one migrated template database per set of
// migrations, cloned with CREATE DATABASE … TEMPLATE for every test, so
// tests are isolated and fast. Tests never skip for a missing database: they
// fail.
package devdb
