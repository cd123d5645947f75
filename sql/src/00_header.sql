/*
 * aido's install script for the version in extension/aido.control, built by
 * extension/Makefile from the files of sql/src/ in name order: edit those,
 * never the built file.  The rules for changing them are in sql/README.md.
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION aido" to load this file. \quit

