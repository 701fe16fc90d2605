Feature: Every outcome of CARLI's "OCLC Gateway Export Errors" table
  Each scenario states one row of the table (seeds/004): what makes Alma refuse, add or merge an
  exported record, and the exact host message the cataloger sees in Connexion.

  Background:
    Given the zone:
      | kind             | Institution                        |
      | institution code | 01CARLI_XYZ                        |
      | host             | i-share-xyz.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_XYZ                        |
    And the zone has the CARLI integration profile with password "secret"
    And the incoming record:
      | tag | indicators | subfields                                |
      | LDR |            | 00000cam a2200000 i 4500                 |
      | 005 |            | 20260301101500.0                         |
      | 035 | ##         | $a (OCoLC)1234567                        |
      | 245 | 10         | $a Pride and prejudice / $c Jane Austen. |

  Scenario: A record that matches nothing is added as a new bib
    When the record is exported
    Then the outcome is ADDED
    And the record is added as MMS ID "9915681"
    And the host message is "The record has been processed successfully. MMS ID: 9915681"

  Scenario: A record that matches one bib and meets no guard is merged into it
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 | originating system version |
      | 991234567890205681 | (OCoLC)1234567 | #         | 20250101000000.0           |
    When the record is exported
    Then the outcome is MERGED
    And the record is merged into MMS ID "991234567890205681"
    And the host message is "The record has been processed successfully. MMS ID: 991234567890205681"

  Scenario: Two integration profiles in one institution refuse every export
    Given the zone has a second integration profile "Old Connexion profile"
    When the record is exported
    Then the outcome is NO_INTEGRATION_PROFILE
    And the host message is "Import Failed: No integration profile found for institution 01CARLI_XYZ"

  Scenario: A password that is not the profile's fails the logon
    Given the Gateway Export logs on as "01CARLI_XYZ" with password "old-secret"
    When the record is exported
    Then the outcome is LOGON_FAILED
    And the host message is "Import Failed: Logon Failed--the Logon ID and/or password is/are not valid"

  Scenario: A logon ID that belongs to another zone fails the logon
    Given the Gateway Export logs on as "01CARLI_NETWORK" with password "secret"
    When the record is exported
    Then the outcome is LOGON_FAILED
    And the trace shows:
      | stage | verdict | says                       |
      | logon | failed  | is not this zone's         |

  Scenario: A field over 9,999 octets cannot be converted to MARCXML
    Given the incoming record has a 505 field of 10000 characters
    When the record is exported
    Then the outcome is MARCXML_CONVERSION_FAILED
    And the host message is "Import Failed: Failed to convert marc record to marc xml"

  Scenario: A MARC-8 record with non-ASCII characters cannot be converted to MARCXML
    Given the incoming record:
      | tag | indicators | subfields                                     |
      | LDR |            | 00000cam  2200000 i 4500                      |
      | 035 | ##         | $a (OCoLC)7777777                             |
      | 245 | 10         | $a Jane Eyre / $c Charlotte Brontë.           |
    When the record is exported
    Then the outcome is MARCXML_CONVERSION_FAILED
    And the trace shows:
      | stage   | verdict |
      | marcxml | failed  |

  Scenario: Two bibs carrying the same OCLC number are a multi-match
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)1234567 |
      | 992234567890205681 | (OCoLC)1234567 |
    When the record is exported
    Then the outcome is MULTI_MATCH
    And the host message is "Import Failed: Multi matches found for this record."
    And the candidates are:
      | MMS ID             | key            |
      | 991234567890205681 | (OCoLC)1234567 |
      | 992234567890205681 | (OCoLC)1234567 |

  Scenario: A brief record does not overlay a bib with a higher brief level
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 |
      | 991234567890205681 | (OCoLC)1234567 | #         |
    And the incoming record's Leader/17 is "K"
    When the record is exported
    Then the outcome is NOT_ADDED_BRIEF
    And the host message is "Import Failed: NOT_ADDED_BRIEF"
    And the refused bib is MMS ID "991234567890205681"
    And the brief levels are "10" in the zone and "05" incoming

  Scenario: A bib open in the Metadata Editor is not overlaid
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | locked by            | last activity    |
      | 991234567890205681 | (OCoLC)1234567 | 01CARLI_XYZ (jsmith) | 2026-03-05 09:30 |
    And the time now is "2026-03-05 10:00"
    When the record is exported
    Then the outcome is NOT_ADDED_LOCKED
    And the host message is "Import Failed: NOT_ADDED_LOCKED"
    And the lock is held by "01CARLI_XYZ (jsmith)" since "2026-03-05 09:30"

  Scenario: An export older than the bib's originating system version is refused
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | originating system version |
      | 991234567890205681 | (OCoLC)1234567 | 20260302000000.0           |
    When the record is exported
    Then the outcome is NOT_ADDED_OLD
    And the host message is "Import Failed: NOT_ADDED_OLD"
    And the versions are "20260302000000.0" in the zone and "20260301101500.0" incoming

  Scenario: A bib linked to the Community Zone is skipped
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | CZ link |
      | 991234567890205681 | (OCoLC)1234567 | yes     |
    When the record is exported
    Then the outcome is SKIPPED_CZ_LINKED
    And the refused bib is MMS ID "991234567890205681"
