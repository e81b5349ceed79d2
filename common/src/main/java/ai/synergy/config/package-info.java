/**
 * Configuration plumbing shared by every job: range checks that name the setting ({@link ai.synergy.config.Require},
 * {@link ai.synergy.config.InvalidSettingException}), the bad-input exception every job reports with, the one JSON
 * mapper for configurations and provenance, and the redaction of passwords in URIs.
 */
package ai.synergy.config;
