Feature: Choices Alma's documentation leaves open, stated so that a reader can disagree
  DESIGN.md lists what Ex Libris does not document. almamatch makes each choice explicit and
  configurable; each scenario states the default, and where useful the other value.

  Background:
    Given the zone:
      | kind             | Institution                        |
      | institution code | 01CARLI_XYZ                        |
      | host             | i-share-xyz.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_XYZ                        |
    And the zone has the CARLI integration profile with password "secret"

  Scenario: OCLC prefixes and leading zeros are ignored when matching
    Given the zone holds these bibs:
      | MMS ID             | 035 $a             |
      | 991234567890205681 | (OCoLC)ocm00012345 |
    And the incoming record:
      | tag | indicators | subfields       |
      | 035 | ##         | $a (OCoLC)12345 |
    When the record is exported
    Then the outcome is MERGED
    And the record is merged into MMS ID "991234567890205681"

  Scenario: With the literal match method, a number written with a prefix does not match one without
    Given the match method is "Literal 035"
    And the zone holds these bibs:
      | MMS ID             | 035 $a             |
      | 991234567890205681 | (OCoLC)ocm00012345 |
    And the incoming record:
      | tag | indicators | subfields       |
      | 035 | ##         | $a (OCoLC)12345 |
    When the record is exported
    Then the outcome is ADDED

  Scenario: 019 $a does not count without the normalization rule that copies it to 035 $z
    Given the profile has no normalization
    And the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)7654321 |
    And the incoming record:
      | tag | indicators | subfields         |
      | 019 | ##         | $a 7654321        |
      | 035 | ##         | $a (OCoLC)1234567 |
    When the record is exported
    Then the outcome is ADDED

  Scenario: 019 $a counts through CARLI's "Copy 019a to 035z" normalization
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)7654321 |
    And the incoming record:
      | tag | indicators | subfields         |
      | 019 | ##         | $a 7654321        |
      | 035 | ##         | $a (OCoLC)1234567 |
    When the record is exported
    Then the outcome is MERGED
    And the record is merged into MMS ID "991234567890205681"

  Scenario: 019 $a can be made to count without the normalization rule
    Given the profile has no normalization
    And 019 $a counts without the normalization rule
    And the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)7654321 |
    And the incoming record:
      | tag | indicators | subfields         |
      | 019 | ##         | $a 7654321        |
      | 035 | ##         | $a (OCoLC)1234567 |
    When the record is exported
    Then the outcome is MERGED

  Scenario: Equal brief levels merge
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 |
      | 991234567890205681 | (OCoLC)1234567 | 7         |
    And the incoming record:
      | tag | indicators | subfields         |
      | 035 | ##         | $a (OCoLC)1234567 |
    And the incoming record's Leader/17 is "K"
    When the record is exported
    Then the outcome is MERGED
    And the trace shows:
      | stage | verdict | says                     |
      | brief | passed  | existing 05 vs incoming 05 |

  Scenario: Equal brief levels can be made to block
    Given equal brief levels are blocked
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 |
      | 991234567890205681 | (OCoLC)1234567 | 7         |
    And the incoming record:
      | tag | indicators | subfields         |
      | 035 | ##         | $a (OCoLC)1234567 |
    And the incoming record's Leader/17 is "K"
    When the record is exported
    Then the outcome is NOT_ADDED_BRIEF
    And the brief levels are "05" in the zone and "05" incoming

  Scenario Outline: A missing or malformed 005 on either side does not trip the older-version guard (<case>)
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | originating system version |
      | 991234567890205681 | (OCoLC)1234567 | <existing>                 |
    And the incoming record:
      | tag | indicators | subfields         |
      | 005 |            | <incoming>        |
      | 035 | ##         | $a (OCoLC)1234567 |
    When the record is exported
    Then the outcome is MERGED
    And the trace shows:
      | stage         | verdict        | says           |
      | older_version | not_applicable | does not block |

    Examples:
      | case                              | existing         | incoming          |
      | bib without a version             |                  | 20260301101500.0  |
      | malformed incoming 005            | 20260302000000.0 | 20260301          |
      | incoming 005 with a leading letter | 20260302000000.0 | a20260301101500.0 |

  Scenario: A missing 005 can be made to trip the older-version guard
    Given a missing or malformed 005 trips the older-version guard
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | originating system version |
      | 991234567890205681 | (OCoLC)1234567 | 20260302000000.0           |
    And the incoming record:
      | tag | indicators | subfields         |
      | 035 | ##         | $a (OCoLC)1234567 |
    When the record is exported
    Then the outcome is NOT_ADDED_OLD
    And the versions are "20260302000000.0" in the zone and "none" incoming

  Scenario: The lock guard runs before the brief and older-version guards, and all three are traced
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 | originating system version | locked by   | last activity    |
      | 991234567890205681 | (OCoLC)1234567 | #         | 20260302000000.0           | 01CARLI_ABC | 2026-03-05 09:30 |
    And the incoming record:
      | tag | indicators | subfields         |
      | 005 |            | 20260301101500.0  |
      | 035 | ##         | $a (OCoLC)1234567 |
    And the incoming record's Leader/17 is "7"
    And the time now is "2026-03-05 10:00"
    When the record is exported
    Then the outcome is NOT_ADDED_LOCKED
    And the trace shows:
      | stage         | verdict |
      | lock          | failed  |
      | brief         | failed  |
      | older_version | failed  |

  Scenario: With the guards reordered, the first guard that blocks names the refusal
    Given the guards run in this order: older version, brief, lock
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 | originating system version | locked by   | last activity    |
      | 991234567890205681 | (OCoLC)1234567 | #         | 20260302000000.0           | 01CARLI_ABC | 2026-03-05 09:30 |
    And the incoming record:
      | tag | indicators | subfields         |
      | 005 |            | 20260301101500.0  |
      | 035 | ##         | $a (OCoLC)1234567 |
    And the incoming record's Leader/17 is "7"
    And the time now is "2026-03-05 10:00"
    When the record is exported
    Then the outcome is NOT_ADDED_OLD
    And the trace shows:
      | stage         | verdict |
      | older_version | failed  |
      | brief         | failed  |
      | lock          | failed  |
