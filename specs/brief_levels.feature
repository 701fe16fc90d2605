Feature: Brief levels computed from Leader/17 by the consortium's rules
  Each Examples row is one line of a consortium's published brief-level table: the encoding level
  of the incoming record and the brief level Alma gives it. The zone's bib is full (level 10) and
  equal levels are set to block, so that every export is refused and shows its level.

  Background:
    Given the zone:
      | kind             | Network                                |
      | institution code | 01CARLI_NETWORK                        |
      | host             | i-share-network.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_NETWORK                        |
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | brief level |
      | 991234567890205681 | (OCoLC)1234567 | 10          |
    And the incoming record:
      | tag | indicators | subfields         |
      | 035 | ##         | $a (OCoLC)1234567 |

  Scenario Outline: CARLI rates Leader/17 "<code>" at brief level <level>
    Given the zone has the CARLI integration profile with password "secret"
    And equal brief levels are blocked
    And the incoming record's Leader/17 is "<code>"
    When the record is exported
    Then the outcome is NOT_ADDED_BRIEF
    And the brief levels are "10" in the zone and "<level>" incoming

    Examples: CARLI I-Share brief levels (rev. 2021-06-14)
      | code | level |
      | #    | 10    |
      | 1    | 10    |
      | I    | 10    |
      | L    | 10    |
      | 2    | 07    |
      | 4    | 07    |
      | M    | 07    |
      | 7    | 05    |
      | K    | 05    |
      | 8    | 04    |
      | 3    | 03    |
      | 5    | 02    |
      | u    | 01    |
      | z    | 01    |
      | J    | 01    |

  Scenario Outline: CSU rates Leader/17 "<code>" at brief level <level>
    Given the zone has the CSU integration profile with password "secret"
    And the brief guard is on
    And equal brief levels are blocked
    And the incoming record's Leader/17 is "<code>"
    When the record is exported
    Then the outcome is NOT_ADDED_BRIEF
    And the brief levels are "10" in the zone and "<level>" incoming

    Examples: CSU/Orbis Network Zone brief levels
      | code | level |
      | #    | 10    |
      | I    | 09    |
      | L    | 09    |
      | 1    | 08    |
      | 4    | 07    |
      | K    | 06    |
      | M    | 06    |
      | 2    | 05    |
      | 7    | 05    |
      | 8    | 04    |
      | 3    | 03    |
      | 5    | 02    |
      | u    | 02    |
      | z    | 02    |
      | J    | 01    |

  Scenario: A brief-level table written in the spec replaces the preset
    Given the zone has the CARLI integration profile with password "secret"
    And the brief-level rules are:
      | Leader/17   | brief level |
      | #           | 10          |
      | K           | 08          |
      | other codes | 01          |
    And the incoming record's Leader/17 is "K"
    When the record is exported
    Then the outcome is NOT_ADDED_BRIEF
    And the brief levels are "10" in the zone and "08" incoming

  Scenario: With the brief guard off, a brief record overlays a full one
    Given the zone has the CARLI integration profile with password "secret"
    And the brief guard is off
    And the incoming record's Leader/17 is "K"
    When the record is exported
    Then the outcome is MERGED
    And the trace shows:
      | stage | verdict |
      | brief | off     |
