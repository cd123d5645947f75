/* sql/updates/aido--0.1.0--0.2.0.sql: from 0.1.0 to the 0.2.0 under development */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION aido UPDATE" to load this file. \quit
