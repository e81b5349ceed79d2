/**
 * Shared configuration plumbing: the one JSON mapper and the bad-input exception every job reports with.
 */
package ai.synergy.config;
