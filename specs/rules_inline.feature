Feature: A profile's own rules, stated in Alma's rule language
  A Connexion integration profile can run the library's normalization rules on every incoming
  record before matching, merge with the library's merge rule, and rate records with its
  brief-level rules. Each scenario states one real rule inline, as text between two lines of """,
  so that the policy and the rule that enforces it are read together. The rules below are taken
  from Harvard Library's published Alma rules ("External Resources and Connexion" normalization,
  "SYS-Batch-Connexion" merge, "Brief Level Rules"), shortened to the lines each policy needs.

  Background:
    Given the zone:
      | kind             | Institution                        |
      | institution code | 01CARLI_XYZ                        |
      | host             | i-share-xyz.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_XYZ                        |
    And the zone has the CARLI integration profile with password "secret"

  Scenario: A normalization rule that removes 019 keeps a record's cancelled numbers from matching
    Given the profile has no normalization
    And 019 $a counts without the normalization rule
    And the normalization rules are:
      """
      rule "Remove unwanted data from External search resources and Connexion records"
      when
         TRUE
      then
         removeField "019"
         removeField "029"
         removeField "035" if(exists "035.*.(OCoLC)o*")
      end
      """
    And the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)7654321 |
    And the incoming record:
      | tag | indicators | subfields                  |
      | 019 | ##         | $a 7654321                 |
      | 029 | 1#         | $a AU@ $b 000012345678     |
      | 035 | ##         | $a (OCoLC)1234567          |
      | 245 | 10         | $a Pride and prejudice.    |
    When the record is exported
    Then the outcome is ADDED
    And the saved record has no 019 field
    And the saved record has no 029 field
    And the trace shows:
      | stage         | verdict | says                                                   |
      | normalization | passed  | Remove unwanted data from External search resources    |

  Scenario: Without that rule, the same record merges through its cancelled number
    Given the profile has no normalization
    And 019 $a counts without the normalization rule
    And the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)7654321 |
    And the incoming record:
      | tag | indicators | subfields               |
      | 019 | ##         | $a 7654321              |
      | 035 | ##         | $a (OCoLC)1234567       |
      | 245 | 10         | $a Pride and prejudice. |
    When the record is exported
    Then the outcome is MERGED
    And the record is merged into MMS ID "991234567890205681"

  Scenario: A normalization rule flags a record cataloged in another language
    Given the normalization rules are:
      """
      rule "handle non-english language cataloging"
      when
        (exists "040.b.*")
      then
         addField "040.a.ATTENTION: THIS IS A NON-ENGLISH LANGUAGE CATALOGING RECORD." if (not exists "040.b.eng")
      end
      """
    And the incoming record:
      | tag | indicators | subfields                          |
      | 035 | ##         | $a (OCoLC)1234567                  |
      | 040 | ##         | $a DNB $b ger $c DNB               |
      | 245 | 10         | $a Stolz und Vorurteil.            |
    When the record is exported
    Then the outcome is ADDED
    And the saved record has exactly two 040 fields
    And the saved record has exactly one 040 field with "NON-ENGLISH LANGUAGE CATALOGING RECORD"

  Scenario: The library's merge rule keeps copy-specific notes ($5) and takes WorldCat's title and notes
    Given the merge rule is:
      """
      rule "Connexion exports into Alma; per ExL doc, Alma is preferred record, hence remove/add rules"
      when
          merge
      then
          remove MARC."245"
          remove MARC."500" if not exists subfield "5"
          add MARC."2"XX
          add MARC."5"XX
      end
      """
    And the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)1234567 |
    And bib "991234567890205681" also has these fields:
      | tag | indicators | subfields                                  |
      | 245 | 10         | $a Pride & prejudice                       |
      | 500 | ##         | $a Old general note.                       |
      | 500 | ##         | $a Signed by the author. $5 MH             |
    And the incoming record:
      | tag | indicators | subfields                                  |
      | 005 |            | 20260301101500.0                           |
      | 035 | ##         | $a (OCoLC)1234567                          |
      | 245 | 10         | $a Pride and prejudice / $c Jane Austen.   |
      | 500 | ##         | $a Originally published in 1813.           |
    When the record is exported
    Then the outcome is MERGED
    And the saved record has these fields:
      | tag | indicators | subfields                                |
      | 245 | 10         | $a Pride and prejudice / $c Jane Austen. |
      | 500 | ##         | $a Signed by the author. $5 MH           |
      | 500 | ##         | $a Originally published in 1813.         |
    And the saved record does not have these fields:
      | tag | indicators | subfields             |
      | 245 | 10         | $a Pride & prejudice  |
      | 500 | ##         | $a Old general note.  |
    And the saved record has exactly one 245 field

  Scenario: Brief-level rules: a full-level record cataloged in German does not overlay an English bib
    Given the brief-level rules are:
      """
      rule "Brief 03 - non-English cat - precedence over other rules except sparse"
      when
          (exists "040.b.*") AND (not exists "040.b.eng") AND (not exists "011")
      then
          set brief_level."03"
      end

      rule "Full"
      when
          TRUE
      then
          set brief_level."10"
      end
      """
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 |
      | 991234567890205681 | (OCoLC)1234567 | #         |
    And bib "991234567890205681" also has these fields:
      | tag | indicators | subfields            |
      | 040 | ##         | $a DLC $b eng $c DLC |
    And the incoming record:
      | tag | indicators | subfields               |
      | 035 | ##         | $a (OCoLC)1234567       |
      | 040 | ##         | $a DNB $b ger $c DNB    |
      | 245 | 10         | $a Stolz und Vorurteil. |
    When the record is exported
    Then the outcome is NOT_ADDED_BRIEF
    And the brief levels are "10" in the zone and "03" incoming

  Scenario: The same rules let an English record merge, both rated 10
    Given the brief-level rules are:
      """
      rule "Brief 03 - non-English cat - precedence over other rules except sparse"
      when
          (exists "040.b.*") AND (not exists "040.b.eng") AND (not exists "011")
      then
          set brief_level."03"
      end

      rule "Full"
      when
          TRUE
      then
          set brief_level."10"
      end
      """
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 |
      | 991234567890205681 | (OCoLC)1234567 | 7         |
    And the incoming record:
      | tag | indicators | subfields               |
      | 035 | ##         | $a (OCoLC)1234567       |
      | 040 | ##         | $a DLC $b eng $c DLC    |
      | 245 | 10         | $a Pride and prejudice. |
    And the incoming record's Leader/17 is "7"
    When the record is exported
    Then the outcome is MERGED
    And the brief levels are "10" in the zone and "10" incoming
