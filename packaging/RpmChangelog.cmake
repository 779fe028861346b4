# wds_rpm_changelog(<debian changelog> <output>): writes the entries of a Debian-format changelog
# in RPM's %changelog format, so that packaging/changelog is the only changelog to maintain.
#   watcher-ds (V) dist; urgency=u      ->  * Www Mmm DD YYYY NAME <MAIL> - V-<release>
#     * change / continuation             - change / continuation
#    -- NAME <MAIL>  Www, DD Mmm YYYY ...
function(wds_rpm_changelog input output)
  file(STRINGS ${input} lines)
  set(text "")
  set(body "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^[a-z0-9.+-]+ \\(([^)]+)\\)")
      set(version ${CMAKE_MATCH_1})
    elseif(line MATCHES "^  \\* (.*)$")
      string(APPEND body "- ${CMAKE_MATCH_1}\n")
    elseif(line MATCHES "^    (.*)$")
      string(APPEND body "  ${CMAKE_MATCH_1}\n")
    elseif(line MATCHES "^ -- (.+>)  ([A-Z][a-z][a-z]), ([0-9]+) ([A-Z][a-z][a-z]) ([0-9]+) ")
      string(APPEND text "* ${CMAKE_MATCH_2} ${CMAKE_MATCH_4} ${CMAKE_MATCH_3} ${CMAKE_MATCH_5} "
                         "${CMAKE_MATCH_1} - ${version}-${CPACK_RPM_PACKAGE_RELEASE}\n${body}\n")
      set(body "")
    elseif(NOT line STREQUAL "")
      message(FATAL_ERROR "${input}: not a Debian changelog line: '${line}'")
    endif()
  endforeach()
  file(WRITE ${output} "${text}")
endfunction()
