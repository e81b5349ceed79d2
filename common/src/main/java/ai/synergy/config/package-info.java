/**
 * Shared configuration plumbing: the one JSON mapper, the bad-input exception every job reports with, and the
 * redaction of passwords in URIs.
 */
package ai.synergy.config;
